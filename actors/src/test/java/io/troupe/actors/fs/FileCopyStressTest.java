package io.troupe.actors.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 1 GiB file copied through actors (reader -> copier -> writer) with credit (issue #13's
 * stress test): the copy has the same SHA-256 as the original; the bytes read but not yet
 * written never exceed the credit (CREDIT chunks); and the heap stays flat, measured: every
 * 64 MiB the copier forces a full collection and samples the heap in use, and the live heap at
 * the end of the copy may exceed the first sample by at most HEAP_SLACK_BYTES (1/16 of the
 * file), so anything in the path that keeps chunks (a reader reading ahead of its credit, a
 * writer acknowledging before it wrote, a cache) fails the test long before the test JVM's
 * -Xmx1g would.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class FileCopyStressTest {
    private static final long FILE_BYTES = 1024L * 1024 * 1024;
    private static final int CHUNK = 256 * 1024;
    private static final int CREDIT = 4;
    /** A heap sample (full GC, then heap in use) every this many bytes written. */
    private static final long SAMPLE_EVERY_BYTES = 64L * 1024 * 1024;
    /** How much the live heap may grow between the first sample and any later one. */
    private static final long HEAP_SLACK_BYTES = FILE_BYTES / 16;

    @TempDir
    Path dir;

    @Test
    void largeFile_copiedThroughActors_sameContent_boundedInFlight() throws Exception {
        // Content compared by digest of both files; the most bytes held between read and write is at most CREDIT chunks;
        // the live heap, sampled after a full GC every 64 MiB, grows by less than 1/16 of the file over the copy.
        final Path source = dir.resolve("source.bin");
        final Path target = dir.resolve("target.bin");
        writeSource(source, FILE_BYTES);
        final Runtime rt = Runtime.getRuntime();
        final long startNanos = System.nanoTime();
        try (ActorSystem system = ActorSystem.builder("copy-" + System.nanoTime()).parallelism(2).deadLetterLogsPerSecond(0).build()) {
            final CompletableFuture<Copier> done = new CompletableFuture<>();
            final ActorRef<FileEvent> copier = system.spawn(() -> new Copier(system, source, target, done), "copier");
            final Copier c = done.get(9, TimeUnit.MINUTES);
            assertEquals(FILE_BYTES, c.written, "bytes written");
            assertTrue(c.maxInFlightBytes <= (long) CREDIT * CHUNK,
                    "held " + c.maxInFlightBytes + " bytes between read and write, more than the credit " + CREDIT * CHUNK);
            System.out.println("FileCopyStressTest: " + FILE_BYTES + " bytes copied in "
                    + (System.nanoTime() - startNanos) / 1_000_000 + " ms, at most " + c.maxInFlightBytes
                    + " in flight; live heap (MiB) sampled every 64 MiB: " + c.heapSamples.stream().map(b -> b / (1024 * 1024)).toList()
                    + " of max " + rt.maxMemory() / (1024 * 1024));
            assertEquals(FILE_BYTES / SAMPLE_EVERY_BYTES, c.heapSamples.size(), "heap samples");
            final long first = c.heapSamples.get(0);
            for (int i = 1; i < c.heapSamples.size(); i++) {
                final long grown = c.heapSamples.get(i) - first;
                assertTrue(grown <= HEAP_SLACK_BYTES, "live heap grew by " + grown / (1024 * 1024) + " MiB after "
                        + (i + 1) * (SAMPLE_EVERY_BYTES / (1024 * 1024)) + " MiB copied (samples " + c.heapSamples + ")");
            }
            assertTrue(copier.path().endsWith("copier"));
        }
        assertEquals(digest(source), digest(target), "content of the copy");
    }

    /** Reader -> this -> writer, giving the reader one credit back per acknowledged write. */
    static final class Copier extends Actor<FileEvent> {
        private final ActorSystem system;
        private final Path source;
        private final Path target;
        private final CompletableFuture<Copier> done;
        private ActorRef<FileIo.ReaderCommand> reader;
        private ActorRef<FileIo.WriterCommand> writer;
        private boolean eof;
        private long read;
        long written;
        long maxInFlightBytes;
        /** Heap in use right after a full GC, every SAMPLE_EVERY_BYTES written. */
        final java.util.List<Long> heapSamples = new java.util.ArrayList<>();

        Copier(ActorSystem system, Path source, Path target, CompletableFuture<Copier> done) {
            this.system = system;
            this.source = source;
            this.target = target;
            this.done = done;
        }

        @Override
        protected void preStart() {
            FileIo.openWrite(system, target, self());
        }

        @Override
        protected void receive(FileEvent e) {
            if (e instanceof FileEvent.WriteOpened w) {
                writer = w.writer();
                FileIo.openRead(system, source, CHUNK, self());
            } else if (e instanceof FileEvent.ReadOpened r) {
                reader = r.reader();
                reader.tell(new FileIo.ReaderCommand.Request(CREDIT));
            } else if (e instanceof FileEvent.Chunk c) {
                read += c.bytes().length;
                maxInFlightBytes = Math.max(maxInFlightBytes, read - written);
                writer.tell(new FileIo.WriterCommand.Write(c.bytes()));
            } else if (e instanceof FileEvent.Written w) {
                if (w.totalBytes() / SAMPLE_EVERY_BYTES > written / SAMPLE_EVERY_BYTES) {
                    heapSamples.add(liveHeapBytes());
                }
                written = w.totalBytes();
                if (!eof) {
                    reader.tell(new FileIo.ReaderCommand.Request(1));
                } else if (written == read) {
                    writer.tell(new FileIo.WriterCommand.Close());
                }
            } else if (e instanceof FileEvent.EndOfFile) {
                eof = true;
                if (written == read) {
                    writer.tell(new FileIo.WriterCommand.Close());
                }
            } else if (e instanceof FileEvent.WriteClosed) {
                done.complete(this);
            } else if (e instanceof FileEvent.FileError err) {
                done.completeExceptionally(new AssertionError("copy failed: " + err));
            }
        }
    }

    /** The heap in use right after a full collection (System.gc() is a full, stop-the-world GC unless the JVM is told otherwise). */
    private static long liveHeapBytes() {
        System.gc();
        final Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** A deterministic, non-repeating pattern (not zeros: a copy that loses or reorders a chunk must change the digest). */
    private static void writeSource(Path file, long bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            final ByteBuffer b = ByteBuffer.allocate(1 << 20);
            long x = 0x9E3779B97F4A7C15L;
            for (long done = 0; done < bytes; done += b.capacity()) {
                b.clear();
                while (b.hasRemaining()) {
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                    b.putLong(x);
                }
                b.flip();
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        }
    }

    private static String digest(Path file) throws IOException, NoSuchAlgorithmException {
        final MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            final ByteBuffer b = ByteBuffer.allocate(1 << 20);
            while (ch.read(b) >= 0) {
                b.flip();
                md.update(b);
                b.clear();
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
