package io.troupe.benchmarks.peers.io;

import io.troupe.benchmarks.io.AbstractEchoBenchmark;
import io.troupe.benchmarks.io.EchoServer;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The echo workloads of {@link AbstractEchoBenchmark} against Netty 4.2 on NIO and on its native
 * epoll transport ({@link NettyEchoServer}), with the same load generator as the Troupe and raw
 * NIO servers of {@link io.troupe.benchmarks.io.EchoBenchmark}. Netty's figure is its best row.
 */
@State(Scope.Benchmark)
public class NettyEchoBenchmark extends AbstractEchoBenchmark {
    /** Event loop threads: both are measured, the better one is Netty's figure. */
    @Param({"1", "2"})
    public int eventLoopThreads;

    /** Netty's transport: both are measured, the better one is Netty's figure. */
    @Param({"NIO", "EPOLL"})
    public NettyEchoServer.Transport transport;

    @Override
    protected EchoServer startServer() throws InterruptedException {
        return NettyEchoServer.start(transport, eventLoopThreads);
    }
}
