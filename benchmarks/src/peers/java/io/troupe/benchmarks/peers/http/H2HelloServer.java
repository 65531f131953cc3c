package io.troupe.benchmarks.peers.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import io.troupe.actors.ActorSystem;
import io.troupe.http.HttpOptions;
import io.troupe.http.HttpServer;
import io.troupe.http.Response;
import io.troupe.http.Routes;
import io.troupe.services.Services;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CountDownLatch;

/**
 * A hello-world HTTP/2 cleartext server (prior knowledge, as {@code h2load} speaks to an
 * {@code http://} URI) for {@code benchmarks/run-h2.sh}: Troupe's {@link HttpServer} with HTTP/2
 * on and a synchronous route, or Netty's {@code Http2FrameCodec} with one handler that answers
 * each request's end of stream with a HEADERS and a DATA frame (the shape of Netty's own
 * frame-codec hello example, without the per-stream child channels of {@code Http2MultiplexHandler}),
 * on epoll or NIO with the pooled allocator; or, Netty at its leanest, an {@code Http2ConnectionHandler}
 * with a frame listener (no frame objects: the shape of Netty's older hello example). All answer with {@code 200},
 * {@code content-type: text/plain}, {@code content-length}, a {@code date} cached once a second,
 * and the body {@code "Hello, World!\n"}.
 *
 * <p>{@code java -cp benchmarks.jar io.troupe.benchmarks.peers.http.H2HelloServer
 * TROUPE|NETTY_EPOLL|NETTY_NIO|NETTY_EPOLL_LISTENER|NETTY_NIO_LISTENER port threads}: prints {@code listening} when bound, runs until killed.
 */
public final class H2HelloServer {
    private static final byte[] HELLO = "Hello, World!\n".getBytes(StandardCharsets.US_ASCII);

    private H2HelloServer() {}

    public static void main(String[] args) throws Exception {
        final String kind = args[0];
        final int port = Integer.parseInt(args[1]);
        final int threads = Integer.parseInt(args[2]);
        final InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        if (kind.equals("TROUPE")) {
            final ActorSystem system = ActorSystem.builder("hello-h2").parallelism(threads).build();
            HttpServer.bind(system, address, HttpOptions.defaults().withHttp2(true),
                    Routes.builder().get("/", Services.sync(r -> Response.text(200, "Hello, World!\n"))).build())
                    .toCompletableFuture().join();
        } else {
            final boolean epoll = kind.startsWith("NETTY_EPOLL");
            final boolean listener = kind.endsWith("_LISTENER");
            final IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
            final Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
            final EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, io);
            new ServerBootstrap().group(group).channel(channel)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (listener) {
                                final Listener l = new Listener();
                                final Http2ConnectionHandler h = new Http2ConnectionHandlerBuilder().frameListener(l).build();
                                l.encoder = h.encoder();
                                ch.pipeline().addLast(h);
                            } else {
                                ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), new Hello());
                            }
                        }
                    })
                    .bind(address).sync();
        }
        System.out.println("listening");
        new CountDownLatch(1).await();
    }

    /** The frame-listener server: answers each request at its END_STREAM through the connection's encoder. */
    static final class Listener extends Http2FrameAdapter {
        Http2ConnectionEncoder encoder;

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            if (endOfStream) {
                respond(ctx, streamId);
            }
            return data.readableBytes() + padding;
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                                  boolean endOfStream) {
            if (endOfStream) {
                respond(ctx, streamId);
            }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                                  short weight, boolean exclusive, int padding, boolean endOfStream) {
            onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        private void respond(ChannelHandlerContext ctx, int streamId) {
            final Http2Headers headers = new DefaultHttp2Headers().status("200")
                    .set("content-type", "text/plain; charset=utf-8")
                    .setInt("content-length", HELLO.length)
                    .set("date", Hello.date());
            encoder.writeHeaders(ctx, streamId, headers, 0, false, ctx.voidPromise());
            encoder.writeData(ctx, streamId, Hello.BODY.duplicate(), 0, true, ctx.voidPromise());
        }
    }

    /** Answers each request (at its END_STREAM) with the hello, on the request's stream. */
    static final class Hello extends ChannelDuplexHandler {
        static final ByteBuf BODY = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(HELLO));
        private static volatile String date = now();
        private static volatile long dateSecond = System.currentTimeMillis() / 1000;

        private static String now() {
            return DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(java.time.ZoneOffset.UTC));
        }

        static String date() {
            final long s = System.currentTimeMillis() / 1000;
            if (s != dateSecond) {
                dateSecond = s;
                date = now();
            }
            return date;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame headers) {
                if (headers.isEndStream()) {
                    respond(ctx, headers.stream());
                }
            } else if (msg instanceof Http2DataFrame data) {
                final boolean end = data.isEndStream();
                final Http2FrameStream stream = data.stream();
                data.release();
                if (end) {
                    respond(ctx, stream);
                }
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        private static void respond(ChannelHandlerContext ctx, Http2FrameStream stream) {
            final Http2Headers headers = new DefaultHttp2Headers().status("200")
                    .set("content-type", "text/plain; charset=utf-8")
                    .setInt("content-length", HELLO.length)
                    .set("date", date());
            ctx.write(new DefaultHttp2HeadersFrame(headers).stream(stream), ctx.voidPromise());
            ctx.write(new DefaultHttp2DataFrame(BODY.duplicate(), true).stream(stream), ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
