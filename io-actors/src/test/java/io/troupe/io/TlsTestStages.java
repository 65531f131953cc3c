package io.troupe.io;

import io.troupe.actors.ActorRef;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** Inner stages and messages shared by the TLS tests: they report to a probe what they saw. */
final class TlsTestStages {
    private TlsTestStages() {}

    /** What the handshake settled, as the inner stage read it from its TlsConnection in onConnected. */
    record Settled(String protocol, String alpn, String serverName) {}

    /** The inner stage's onPeerClosed: whether the peer's close_notify had arrived, and the bytes received by then. */
    record PeerClosedSeen(boolean closeNotify, long bytesReceived) {}

    /** A pattern peer has sent and received everything; {@code mismatch} describes the first wrong byte, or is null. */
    record Done(long sent, long received, String mismatch) {}

    /** A pattern peer's writing paused after it had handed {@code sent} plaintext bytes to its connection. */
    record WritingPausedAt(long sent) {}

    static Settled settled(Connection connection) {
        final TlsConnection tls = (TlsConnection) connection;
        return new Settled(tls.session().getProtocol(), tls.applicationProtocol(), tls.serverName());
    }

    /**
     * Echoes each plaintext read; tells the probe Settled on connect, PeerClosedSeen, and the
     * ConnectionClosed; counts refused writes.
     */
    static final class ReportingEcho implements ConnectionStage {
        private final ActorRef<Object> probe;
        private final AtomicInteger refused;
        private long received;

        ReportingEcho(ActorRef<Object> probe, AtomicInteger refused) {
            this.probe = probe;
            this.refused = refused;
        }

        @Override
        public void onConnected(Connection connection) {
            probe.tell(settled(connection));
        }

        @Override
        public void onReceived(Connection connection, ByteBuffer data) {
            received += data.remaining();
            if (!connection.write(data)) {
                refused.incrementAndGet();
            }
        }

        @Override
        public void onPeerClosed(Connection connection) {
            probe.tell(new PeerClosedSeen(((TlsConnection) connection).isPeerCloseNotified(), received));
            connection.close();
        }

        @Override
        public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
            probe.tell(why);
        }
    }

    /**
     * Streams {@code sendBytes} of the byte sequence of {@code sendSeed} in random-sized writes
     * (1 B to 64 KiB, within the room the connection reports, pausing on WritingPaused), and
     * checks every byte it receives against the sequence of {@code expectSeed}. When both are
     * complete it tells the probe Done and, if {@code shutdownWhenDone}, shuts its output
     * (close_notify). Tells PeerClosedSeen (then closes) and the ConnectionClosed too.
     */
    static final class PatternPeer implements ConnectionStage {
        private static final int MAX_CHUNK = 64 << 10;
        private final ActorRef<Object> probe;
        private final long sendBytes;
        private final long expectBytes;
        private final boolean shutdownWhenDone;
        private final Pattern out;
        private final Pattern in;
        private final SplittableRandom sizes;
        private final byte[] chunk = new byte[MAX_CHUNK];
        private byte[] got = new byte[MAX_CHUNK];
        private byte[] want = new byte[MAX_CHUNK];
        private long sent;
        private long received;
        private String mismatch;
        private boolean done;
        private boolean pumpScheduled;

        PatternPeer(ActorRef<Object> probe, long sendSeed, long sendBytes, long expectSeed, long expectBytes,
                    boolean shutdownWhenDone) {
            this.probe = probe;
            this.sendBytes = sendBytes;
            this.expectBytes = expectBytes;
            this.shutdownWhenDone = shutdownWhenDone;
            this.out = new Pattern(sendSeed);
            this.in = new Pattern(expectSeed);
            this.sizes = new SplittableRandom(sendSeed * 31 + 7);
        }

        @Override
        public void onConnected(Connection connection) {
            probe.tell(settled(connection));
            pump(connection);
        }

        private void pump(Connection connection) {
            pumpScheduled = false;
            while (sent < sendBytes && !connection.isWritingPaused()) {
                final int room = connection.writeRoomBytes();
                if (room <= 0) {
                    // the queue is full within this turn; the turn's flush may drain it without a pause: go on next turn
                    if (!pumpScheduled) {
                        pumpScheduled = true;
                        connection.execute(() -> pump(connection));
                    }
                    break;
                }
                final int n = (int) Math.min(Math.min(1 + sizes.nextInt(MAX_CHUNK), room), sendBytes - sent);
                out.next(chunk, n);
                if (!connection.write(ByteBuffer.wrap(chunk, 0, n))) {
                    mismatch = "a write of " + n + " bytes within the reported room " + room + " was refused";
                    probe.tell(new Done(sent, received, mismatch));
                    connection.abort();
                    return;
                }
                sent += n;
            }
            maybeDone(connection);
        }

        @Override
        public void onWritingPaused(Connection connection) {
            probe.tell(new WritingPausedAt(sent));
        }

        @Override
        public void onWritingResumed(Connection connection) {
            pump(connection);
        }

        @Override
        public void onReceived(Connection connection, ByteBuffer data) {
            final int n = data.remaining();
            if (got.length < n) {
                got = new byte[n];
                want = new byte[n];
            }
            data.get(got, 0, n);
            if (mismatch == null) {
                if (received + n > expectBytes) {
                    mismatch = "more than the " + expectBytes + " bytes expected arrived";
                } else {
                    in.next(want, n);
                    final int at = Arrays.mismatch(got, 0, n, want, 0, n);
                    if (at >= 0) {
                        mismatch = "byte " + (received + at) + " differs: " + got[at] + " instead of " + want[at];
                    }
                }
            }
            received += n;
            maybeDone(connection);
        }

        private void maybeDone(Connection connection) {
            if (!done && (mismatch != null || sent == sendBytes && received == expectBytes)) {
                done = true;
                probe.tell(new Done(sent, received, mismatch));
                if (shutdownWhenDone) {
                    connection.shutdownOutput();
                }
            }
        }

        @Override
        public void onPeerClosed(Connection connection) {
            probe.tell(new PeerClosedSeen(((TlsConnection) connection).isPeerCloseNotified(), received));
            connection.close();
        }

        @Override
        public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
            probe.tell(why);
        }
    }

    /** A reproducible byte sequence. */
    static final class Pattern {
        private final SplittableRandom random;
        private long word;
        private int bytesLeftInWord;

        Pattern(long seed) {
            this.random = new SplittableRandom(seed);
        }

        void next(byte[] into, int n) {
            for (int i = 0; i < n; i++) {
                if (bytesLeftInWord == 0) {
                    word = random.nextLong();
                    bytesLeftInWord = 8;
                }
                into[i] = (byte) word;
                word >>>= 8;
                bytesLeftInWord--;
            }
        }
    }
}
