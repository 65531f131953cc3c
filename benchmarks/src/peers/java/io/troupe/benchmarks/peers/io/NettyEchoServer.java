package io.troupe.benchmarks.peers.io;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.troupe.benchmarks.io.EchoServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Netty 4.2's echo server, on NIO or on the native epoll transport ({@link Transport}): one
 * {@link MultiThreadIoEventLoopGroup} of {@code threads} event loops that accepts and serves
 * every connection, {@code TCP_NODELAY} on, the pooled allocator, and the canonical echo handler
 * (write each read buffer back as it is, flush once per read batch). When the outbound buffer
 * passes its high watermark the handler stops reading until it drains.
 */
public final class NettyEchoServer implements EchoServer {
    /** Netty's transport: which I/O handler the event loops run. */
    public enum Transport {
        /** {@link NioIoHandler} and {@link NioServerSocketChannel}: the JDK's selector, as Troupe uses. */
        NIO,
        /**
         * {@link EpollIoHandler} and {@link EpollServerSocketChannel}: Netty's JNI epoll transport
         * (Linux only, from {@code netty-transport-native-epoll}).
         */
        EPOLL
    }

    private final EventLoopGroup group;
    private final Channel listener;

    private NettyEchoServer(EventLoopGroup group, Channel listener) {
        this.group = group;
        this.listener = listener;
    }

    /**
     * Binds to 127.0.0.1 on an ephemeral port, served by {@code threads} event loops of
     * {@code transport}.
     *
     * @throws IllegalStateException if {@code transport} is EPOLL and Netty cannot load its
     *         native library here ({@link Epoll#isAvailable()} is false), with Netty's reason
     */
    public static NettyEchoServer start(Transport transport, int threads) throws InterruptedException {
        final IoHandlerFactory ioHandler;
        final Class<? extends ServerChannel> channel;
        if (transport == Transport.EPOLL) {
            if (!Epoll.isAvailable()) {
                throw new IllegalStateException("Netty's native epoll transport is not available here; run with "
                        + "transport=NIO, or on Linux x86_64 with the netty-transport-native-epoll jar", Epoll.unavailabilityCause());
            }
            ioHandler = EpollIoHandler.newFactory();
            channel = EpollServerSocketChannel.class;
        } else {
            ioHandler = NioIoHandler.newFactory();
            channel = NioServerSocketChannel.class;
        }
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, ioHandler);
        try {
            final Channel listener = new ServerBootstrap()
                    .group(group)
                    .channel(channel)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childHandler(EchoHandler.INSTANCE)
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .sync()
                    .channel();
            return new NettyEchoServer(group, listener);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    @Override
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Writes back every buffer it reads; one instance serves every connection. */
    @ChannelHandler.Sharable
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        static final EchoHandler INSTANCE = new EchoHandler();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // the client went away
        }
    }
}
