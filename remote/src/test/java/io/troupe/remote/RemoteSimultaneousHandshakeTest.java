package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.troupe.actors.ActorSystem;
import io.troupe.remote.internal.Handshake;
import io.troupe.remote.internal.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Both sides of a pair starting the handshake at once, with the peer's frames timed by hand. */
@Timeout(60)
class RemoteSimultaneousHandshakeTest {
    static final String SECRET = "secret-cookie";

    static RemoteSettings settings() {
        return RemoteSettings.udp(0).withSecret(SECRET);
    }

    /**
     * A peer driven by hand on this thread: its media driver in INVOKER mode and its client's
     * conductor run only in {@link #pump()}, so what it offers between two pumps leaves in one
     * datagram, and the node polls those frames in one turn.
     */
    static final class InvokedPeer implements AutoCloseable {
        final long uid = 0x5EED_0000_0000_0002L;
        final MediaDriver driver;
        final Aeron aeron;
        final Subscription sub;
        final Publication pub;
        final String address;
        private final List<byte[]> frames = new ArrayList<>();

        InvokedPeer(RemoteNode target) {
            final String dir = "/dev/shm/troupe-invoked-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
            driver = MediaDriver.launchEmbedded(new MediaDriver.Context().aeronDirectoryName(dir).threadingMode(ThreadingMode.INVOKER)
                    .dirDeleteOnShutdown(true).dirDeleteOnStart(true));
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir)
                    .useConductorAgentInvoker(true).driverAgentInvoker(driver.sharedAgentInvoker()));
            sub = aeron.addSubscription("aeron:udp?endpoint=127.0.0.1:0", RemoteNode.UDP_STREAM);
            assertTrue(Await.until(() -> pump() && sub.tryResolveChannelEndpointPort() != null, Duration.ofSeconds(10)));
            final String endpoint = io.aeron.ChannelUri.parse(sub.tryResolveChannelEndpointPort()).get("endpoint");
            address = "troupe://f@127.0.0.1:" + endpoint.substring(endpoint.lastIndexOf(':') + 1);
            pub = aeron.addPublication("aeron:udp?endpoint=127.0.0.1:" + target.address().port(), RemoteNode.UDP_STREAM);
            assertTrue(Await.until(() -> pump() && pub.isConnected(), Duration.ofSeconds(10)), "connected");
        }

        /** One duty cycle of the driver and the client; true (for use in probes). */
        boolean pump() {
            driver.sharedAgentInvoker().invoke();
            aeron.conductorAgentInvoker().invoke();
            return true;
        }

        /** Offers a frame without sending it: it leaves at the next pump. */
        void offer(ExpandableArrayBuffer b, int length) {
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (pub.offer(b, 0, length) < 0) {
                assertTrue(System.nanoTime() - deadline < 0, "offered");
                pump();
            }
        }

        /** The next frame of {@code type} this peer receives, within 10 s (pumping meanwhile). */
        byte[] next(byte type) {
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() - deadline < 0) {
                pump();
                sub.poll((buf, offset, length, header) -> {
                    final byte[] f = new byte[length];
                    buf.getBytes(offset, f);
                    frames.add(f);
                }, 16);
                for (int i = 0; i < frames.size(); i++) {
                    if (frames.get(i)[4] == type) {
                        return frames.remove(i);
                    }
                }
                Thread.onSpinWait();
            }
            throw new AssertionError("no frame of type " + type);
        }

        @Override
        public void close() {
            aeron.close();
            driver.close();
        }
    }

    /**
     * Both sides start a handshake at once: the node has sent its HELLO and answered the peer's
     * with a HELLO_ACK; the peer's HELLO_ACK and AUTH then come in one datagram, so the node
     * hears the AUTH (established) before its own AUTH, queued for the HELLO_ACK, is sent.
     * Sending that AUTH must not establish again (a second "associated" line, the failure
     * detector thrown away and made anew).
     */
    @Test
    void bothSidesStartTheHandshake_peersAckAndAuthInOneTurn_establishedOnce() throws Exception {
        final List<String> associated = new CopyOnWriteArrayList<>();
        final Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getMessage() != null && r.getMessage().contains(" associated with ")) {
                    associated.add(r.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        final Logger logger = Logger.getLogger(RemoteNode.class.getName());
        logger.addHandler(handler);
        final byte[] secret = settings().secret();
        try (ActorSystem a = ActorSystem.create("a"); RemoteNode na = RemoteNode.start(a, settings()); InvokedPeer peer = new InvokedPeer(na)) {
            na.resolve(peer.address + "/user/x").tell("knock"); // the node starts its handshake
            final byte[] hello = peer.next(Wire.HELLO);
            final long nodeUid = new UnsafeBuffer(hello).getLong(8);
            final byte[] nodeNonce = Arrays.copyOfRange(hello, Wire.HEADER, Wire.HEADER + Wire.NONCE);
            // the peer starts one too
            final ExpandableArrayBuffer out = new ExpandableArrayBuffer(256);
            int o = Wire.header(out, 0, Wire.HELLO, (byte) 0, peer.uid, 0);
            out.putBytes(o, Handshake.newNonce());
            o = Wire.putString(out, o + Wire.NONCE, peer.address);
            o = Wire.putString(out, o, "a");
            peer.offer(out, o);
            final byte[] ack = peer.next(Wire.HELLO_ACK);
            final byte[] ackNonce = Arrays.copyOfRange(ack, Wire.HEADER, Wire.HEADER + Wire.NONCE);
            // the peer answers the node's HELLO and the node's HELLO_ACK, in one datagram
            o = Wire.header(out, 0, Wire.HELLO_ACK, (byte) 0, peer.uid, nodeUid);
            out.putBytes(o, Handshake.newNonce());
            out.putBytes(o + Wire.NONCE, Handshake.mac(secret, Handshake.ROLE_ACK, nodeNonce, peer.uid, nodeUid));
            o = Wire.putString(out, o + Wire.NONCE + Wire.MAC, peer.address);
            peer.offer(out, o);
            o = Wire.header(out, 0, Wire.AUTH, (byte) 0, peer.uid, nodeUid);
            out.putBytes(o, Handshake.mac(secret, Handshake.ROLE_AUTH, ackNonce, peer.uid, nodeUid));
            peer.offer(out, o + Wire.MAC);
            peer.pump();
            // the node's AUTH comes after its turn that heard both (and established) is over
            peer.next(Wire.AUTH);
            assertTrue(na.connectedNodes().contains(NodeAddress.parse(peer.address)),
                    "associated (refused frames: " + na.refusedFrames() + ")");
            assertEquals(1, associated.stream().filter(m -> m.contains(" associated with " + peer.address + " ")).count(),
                    "established once: " + associated);
        } finally {
            logger.removeHandler(handler);
        }
    }
}
