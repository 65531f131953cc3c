package io.troupe.benchmarks.peers.io;

import io.troupe.actors.DispatcherKind;
import io.troupe.benchmarks.io.AbstractEchoBenchmark;
import io.troupe.benchmarks.io.EchoServer;
import io.troupe.benchmarks.io.RawNioEchoServer;
import io.troupe.benchmarks.io.TroupeEchoServer;
import io.troupe.io.IoSettings;
import java.io.IOException;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The echo workloads of {@link AbstractEchoBenchmark} with the server limited to one core and
 * the load generator on the other: each server runs in a JVM of its own started with
 * {@code taskset -c 0} ({@link EchoServerProcess}), and this benchmark's JVM must run on the
 * other core ({@code taskset -c 1 java -jar benchmarks.jar ...}, which {@code benchmarks/run-pinned.sh}
 * does; the setup fails otherwise). So no server competes with the client for a core, and a
 * server that needs a thread hand-off per request pays a context switch for it, as in the
 * issue's outside measurement (#8).
 */
@State(Scope.Benchmark)
public class PinnedEchoBenchmark extends AbstractEchoBenchmark {
    /** The servers, each as its own JVM runs it. */
    public enum Server {
        /** {@link RawNioEchoServer}: one thread, one selector; the floor. */
        RAW_NIO,
        /** Netty 4.2 on NIO. */
        NETTY_NIO,
        /** Netty 4.2 on its native epoll transport. */
        NETTY_EPOLL,
        /** Troupe, work-stealing dispatcher, idle workers drive the selector, answered reads. */
        TROUPE_WORKERS,
        /** Troupe, work-stealing dispatcher, a reactor thread of its own drives the selector, answered reads. */
        TROUPE_REACTOR_THREADS,
        /** Troupe, work-stealing dispatcher, idle workers drive the selector, an echo stage (no handler actor). */
        TROUPE_STAGE;

        /** Starts this server with {@code threads} threads (Troupe's workers, Netty's event loops; raw NIO has one). */
        EchoServer start(int threads) throws InterruptedException {
            return switch (this) {
                case RAW_NIO -> RawNioEchoServer.start();
                case NETTY_NIO -> NettyEchoServer.start(NettyEchoServer.Transport.NIO, threads);
                case NETTY_EPOLL -> NettyEchoServer.start(NettyEchoServer.Transport.EPOLL, threads);
                case TROUPE_WORKERS -> troupe(threads, IoSettings.Driver.WORKERS);
                case TROUPE_REACTOR_THREADS -> troupe(threads, IoSettings.Driver.REACTOR_THREADS);
                case TROUPE_STAGE -> TroupeEchoServer.start(DispatcherKind.WORK_STEALING, threads,
                        IoSettings.defaults().withDriver(IoSettings.Driver.WORKERS), TroupeEchoServer.BackPressure.STAGE);
            };
        }

        private static EchoServer troupe(int workers, IoSettings.Driver driver) {
            return TroupeEchoServer.start(DispatcherKind.WORK_STEALING, workers, IoSettings.defaults().withDriver(driver),
                    TroupeEchoServer.BackPressure.ANSWERED_READS);
        }
    }

    @Param({"RAW_NIO", "NETTY_NIO", "NETTY_EPOLL", "TROUPE_WORKERS", "TROUPE_REACTOR_THREADS", "TROUPE_STAGE"})
    public Server server;

    /** The server's threads: one, as the server has one core (Troupe with a reactor thread has two). */
    @Param({"1"})
    public int serverThreads;

    /** The server's cores, as {@code taskset -c} takes them; this benchmark's JVM must not run on them. */
    @Param({"0"})
    public String serverCpus;

    @Override
    protected EchoServer startServer() throws IOException {
        return EchoServerProcess.start(server, serverThreads, serverCpus);
    }
}
