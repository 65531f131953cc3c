package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.driver.ext.DebugReceiveChannelEndpointSupplier;
import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two systems in one JVM over IPC and over lossy UDP: everything arrives, once, in order. */
@Timeout(120)
class RemoteTransportTest {
    static final String SECRET = "secret-cookie";

    static {
        // Aeron's loss-injection hooks read these when the debug endpoint class loads (only the
        // lossy driver below uses debug endpoints).
        System.setProperty("aeron.debug.receive.data.loss.rate", "0.1");
        System.setProperty("aeron.debug.receive.data.loss.seed", "42");
        System.setProperty("aeron.debug.receive.control.loss.rate", "0.05");
        System.setProperty("aeron.debug.receive.control.loss.seed", "7");
    }

    static final class Sink extends Actor<String> {
        private final LinkedBlockingQueue<String> got;

        Sink(LinkedBlockingQueue<String> got) {
            this.got = got;
        }

        @Override
        protected void receive(String m) {
            got.add(m);
        }
    }

    private static MediaDriver driver(String name, boolean lossy) {
        final MediaDriver.Context ctx = new MediaDriver.Context()
                .aeronDirectoryName(Path.of("/dev/shm", "troupe-test-" + name + "-" + ProcessHandle.current().pid()).toString())
                .threadingMode(ThreadingMode.SHARED).termBufferSparseFile(true).dirDeleteOnStart(true).dirDeleteOnShutdown(true);
        if (lossy) {
            ctx.receiveChannelEndpointSupplier(new DebugReceiveChannelEndpointSupplier());
        }
        return MediaDriver.launchEmbedded(ctx);
    }

    /** Sends {@code n} numbered messages from two senders, checks each sender's order and that nothing is lost or doubled. */
    private static void exchange(RemoteNode from, RemoteNode to, ActorSystem toSystem, int n) throws InterruptedException {
        final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        toSystem.spawn(() -> new Sink(got), "sink");
        final ActorRef<String> sink = from.resolve(to.address() + "/user/sink");
        final Thread second = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                sink.send("y" + i).toCompletableFuture().join(); // lossless: waits through the handshake and back-pressure
            }
        });
        second.start();
        for (int i = 0; i < n; i++) {
            sink.send("x" + i).toCompletableFuture().join();
        }
        int nextX = 0;
        int nextY = 0;
        while (nextX < n || nextY < n) {
            final String m = got.poll(30, TimeUnit.SECONDS);
            assertNotNull(m, "lost: x from " + nextX + ", y from " + nextY);
            if (m.charAt(0) == 'x') {
                assertEquals("x" + nextX++, m, "sender x's order");
            } else {
                assertEquals("y" + nextY++, m, "sender y's order");
            }
        }
        second.join(10_000);
        assertNull(got.poll(200, TimeUnit.MILLISECONDS), "nothing twice");
    }

    @Test
    void twoSystemsOverIpc_oneSharedDriver() throws Exception {
        try (MediaDriver driver = driver("ipc", false);
             ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, RemoteSettings.ipc(101).withSecret(SECRET).withAeronDirectory(Path.of(driver.aeronDirectoryName())));
             RemoteNode nb = RemoteNode.start(b, RemoteSettings.ipc(102).withSecret(SECRET).withAeronDirectory(Path.of(driver.aeronDirectoryName())))) {
            assertEquals("troupe://a@ipc:101", na.address().toString());
            exchange(nb, na, a, 5_000);
        }
    }

    @Test
    void udpWithTenPercentLoss_nothingLostDoubledOrReordered() throws Exception {
        try (MediaDriver driver = driver("lossy", true);
             ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, RemoteSettings.udp(0).withSecret(SECRET).withAeronDirectory(Path.of(driver.aeronDirectoryName())));
             RemoteNode nb = RemoteNode.start(b, RemoteSettings.udp(0).withSecret(SECRET).withAeronDirectory(Path.of(driver.aeronDirectoryName())))) {
            exchange(nb, na, a, 5_000);
            final long naks = driver.context().systemCounters().get(io.aeron.driver.status.SystemCounterDescriptor.NAK_MESSAGES_SENT).get();
            final long retransmits = driver.context().systemCounters().get(io.aeron.driver.status.SystemCounterDescriptor.RETRANSMITS_SENT).get();
            org.junit.jupiter.api.Assertions.assertTrue(naks > 0 && retransmits > 0, "the loss was real: " + naks + " NAKs, " + retransmits + " retransmits");
            System.out.println("lossy UDP: " + naks + " NAKs sent, " + retransmits + " retransmits");
        }
    }
}
