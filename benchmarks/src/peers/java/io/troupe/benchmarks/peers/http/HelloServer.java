package io.troupe.benchmarks.peers.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.FullHttpRequest;
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
 * A hello-world HTTP/1.1 keep-alive server for the outside load generator ({@code wrk}) of
 * {@code benchmarks/run-http.sh}: Troupe's {@link HttpServer} with a synchronous route, or Netty's
 * {@link HttpServerCodec} (with an aggregator, the usual way to serve small requests, as in
 * Netty's own hello examples) on epoll or NIO with the pooled allocator. Both answer
 * {@code GET /} with {@code 200}, {@code Content-Type: text/plain}, {@code Content-Length},
 * a {@code Date} cached once a second, and the body {@code "Hello, World!\n"}.
 *
 * <p>{@code java -cp benchmarks.jar io.troupe.benchmarks.peers.http.HelloServer
 * TROUPE|NETTY_EPOLL|NETTY_NIO port threads}: prints {@code listening} when bound, runs until killed.
 */
public final class HelloServer {
    private static final byte[] HELLO = "Hello, World!\n".getBytes(StandardCharsets.US_ASCII);

    private HelloServer() {}

    public static void main(String[] args) throws Exception {
        final String kind = args[0];
        final int port = Integer.parseInt(args[1]);
        final int threads = Integer.parseInt(args[2]);
        final InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        if (kind.equals("TROUPE")) {
            final ActorSystem system = ActorSystem.builder("hello").parallelism(threads).build();
            HttpServer.bind(system, address, HttpOptions.defaults(),
                    Routes.builder().get("/", Services.sync(r -> Response.text(200, "Hello, World!\n"))).build())
                    .toCompletableFuture().join();
        } else {
            final boolean epoll = kind.equals("NETTY_EPOLL");
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
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new Hello());
                        }
                    })
                    .bind(address).sync();
        }
        System.out.println("listening");
        new CountDownLatch(1).await();
    }

    /** Answers every request with the hello; closes when the request asks. */
    static final class Hello extends SimpleChannelInboundHandler<FullHttpRequest> {
        private static final ByteBuf BODY = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(HELLO));
        private static volatile String date = now();
        private static volatile long dateSecond = System.currentTimeMillis() / 1000;

        private static String now() {
            return DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(java.time.ZoneOffset.UTC));
        }

        private static String date() {
            final long s = System.currentTimeMillis() / 1000;
            if (s != dateSecond) {
                dateSecond = s;
                date = now();
            }
            return date;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    BODY.duplicate());
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, HELLO.length)
                    .set(HttpHeaderNames.DATE, date());
            final boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (keepAlive) {
                ctx.write(response, ctx.voidPromise());
            } else {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.write(response).addListener(ChannelFutureListener.CLOSE);
            }
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
