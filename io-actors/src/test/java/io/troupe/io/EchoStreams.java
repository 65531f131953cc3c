package io.troupe.io;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The two sides of a byte-exact echo check over a blocking socket: one thread writes a seeded
 * byte sequence in random-sized chunks and half-closes; another reads the echo, compares every
 * byte with the same sequence, and expects EOF right after it.
 */
final class EchoStreams {
    /** The largest chunk written at once (chunks are 1 B to this). */
    static final int MAX_CHUNK_BYTES = 64 << 10;

    private EchoStreams() {}

    /** One side of a client connection, run on a thread of its own by {@link #start}. */
    interface ClientSide {
        void run() throws IOException;
    }

    /**
     * Runs {@code side} on a daemon thread named {@code name}: what it throws is added to
     * {@code failures}, and {@code done} is counted down when it ends, either way.
     */
    static void start(String name, java.util.concurrent.CountDownLatch done,
                      java.util.concurrent.ConcurrentLinkedQueue<String> failures, ClientSide side) {
        final Thread t = new Thread(() -> {
            try {
                side.run();
            } catch (IOException | RuntimeException | AssertionError e) {
                failures.add(name + ": " + e);
            } finally {
                done.countDown();
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** Writes {@code total} bytes of the sequence of {@code seed} in random-sized chunks, then shuts the output down (FIN). */
    static void writeThenHalfClose(Socket s, long seed, long total) throws IOException {
        final SplittableRandom sizes = new SplittableRandom(~seed);
        final Pattern pattern = new Pattern(seed);
        final byte[] chunk = new byte[MAX_CHUNK_BYTES];
        long left = total;
        while (left > 0) {
            final int n = (int) Math.min(left, 1 + sizes.nextInt(MAX_CHUNK_BYTES));
            pattern.next(chunk, n);
            s.getOutputStream().write(chunk, 0, n);
            left -= n;
        }
        s.shutdownOutput();
    }

    /**
     * Reads {@code total} bytes and checks each against the sequence of {@code seed}, then
     * expects EOF. Reads in random-sized pieces too, so the reader is not always faster.
     *
     * @throws AssertionError at the first byte that differs, an early EOF, or bytes past the end
     */
    static void expectEchoThenEof(Socket s, long seed, long total) throws IOException {
        final SplittableRandom sizes = new SplittableRandom(seed * 31);
        final Pattern pattern = new Pattern(seed);
        final InputStream in = s.getInputStream();
        final byte[] got = new byte[MAX_CHUNK_BYTES];
        final byte[] want = new byte[MAX_CHUNK_BYTES];
        long at = 0;
        while (at < total) {
            final int n = in.read(got, 0, (int) Math.min(1 + sizes.nextInt(MAX_CHUNK_BYTES), total - at));
            if (n < 0) {
                throw new AssertionError("EOF after " + at + " of " + total + " echoed bytes");
            }
            pattern.next(want, n);
            final int mismatch = Arrays.mismatch(got, 0, n, want, 0, n);
            if (mismatch >= 0) {
                throw new AssertionError("echoed byte " + (at + mismatch) + " of " + total + " differs from the byte sent ("
                        + got[mismatch] + " instead of " + want[mismatch] + ")");
            }
            at += n;
        }
        if (in.read() != -1) {
            throw new AssertionError("more than the " + total + " bytes sent came back");
        }
    }

    /** A reproducible byte sequence; the writer and the reader of a connection each walk their own copy. */
    private static final class Pattern {
        private final SplittableRandom random;
        private long word;
        private int bytesLeftInWord;

        Pattern(long seed) {
            this.random = new SplittableRandom(seed);
        }

        /** Fills {@code into[0, n)} with the next {@code n} bytes of the sequence. */
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
