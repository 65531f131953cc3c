package io.troupe.actors.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.fs.FileEvent.FileError;
import io.troupe.actors.testkit.TestProbe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileIoTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final ActorSystem system = ActorSystem.builder("files-" + System.nanoTime()).parallelism(2).deadLetterLogsPerSecond(0).build();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        system.close();
    }

    @Test
    void writeAll_readAll_metadata_list_roundTrip() throws IOException {
        // What is written is read back byte for byte; metadata and listing describe exactly the files there.
        final TestProbe<FileEvent> probe = TestProbe.create(system);
        final Path a = dir.resolve("a.txt");
        final byte[] content = "hello, files".getBytes(StandardCharsets.UTF_8);
        FileIo.writeAll(system, a, content, probe.ref());
        assertEquals(new FileEvent.WriteClosed(a, content.length), probe.expectMessage(TIMEOUT));
        FileIo.readAll(system, a, 1024, probe.ref());
        assertArrayEquals(content, ((FileEvent.FileContent) probe.expectMessage(TIMEOUT)).bytes());
        FileIo.metadata(system, a, probe.ref());
        final FileEvent.Metadata m = (FileEvent.Metadata) probe.expectMessage(TIMEOUT);
        assertEquals(content.length, m.size());
        assertFalse(m.directory());
        Files.createDirectory(dir.resolve("sub"));
        FileIo.list(system, dir, probe.ref());
        assertEquals(new FileEvent.DirectoryListing(dir, List.of(a, dir.resolve("sub"))), probe.expectMessage(TIMEOUT));
        FileIo.readAll(system, a, 4, probe.ref());
        assertEquals(FileError.Kind.TOO_LARGE, ((FileError) probe.expectMessage(TIMEOUT)).kind());
    }

    @Test
    void streamRead_sendsOnlyWhatCreditAllows_thenEndOfFile() throws IOException {
        // The reader sends one chunk per credit, in file order, and nothing more until more credit comes.
        final Path f = dir.resolve("ten.bin");
        final byte[] content = new byte[10];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) i;
        }
        Files.write(f, content);
        final TestProbe<FileEvent> probe = TestProbe.create(system);
        FileIo.openRead(system, f, 4, probe.ref());
        final FileEvent.ReadOpened opened = (FileEvent.ReadOpened) probe.expectMessage(TIMEOUT);
        assertEquals(10, opened.size());
        opened.reader().tell(new FileIo.ReaderCommand.Request(1));
        final FileEvent.Chunk c0 = (FileEvent.Chunk) probe.expectMessage(TIMEOUT);
        assertEquals(0, c0.offset());
        assertArrayEquals(new byte[] {0, 1, 2, 3}, c0.bytes());
        probe.expectNoMessage(Duration.ofMillis(200)); // no credit, no chunk
        opened.reader().tell(new FileIo.ReaderCommand.Request(5));
        final FileEvent.Chunk c1 = (FileEvent.Chunk) probe.expectMessage(TIMEOUT);
        final FileEvent.Chunk c2 = (FileEvent.Chunk) probe.expectMessage(TIMEOUT);
        assertEquals(List.of(4L, 8L), List.of(c1.offset(), c2.offset()));
        assertArrayEquals(new byte[] {4, 5, 6, 7}, c1.bytes());
        assertArrayEquals(new byte[] {8, 9}, c2.bytes());
        assertEquals(new FileEvent.EndOfFile(f, 10), probe.expectMessage(TIMEOUT));
    }

    @Test
    void streamWrite_acknowledgesEachChunkInOrder() throws IOException {
        // Each write is acknowledged with its sequence number and the running total; close leaves exactly the bytes written.
        final Path f = dir.resolve("out.bin");
        final TestProbe<FileEvent> probe = TestProbe.create(system);
        FileIo.openWrite(system, f, probe.ref());
        final ActorRef<FileIo.WriterCommand> w = ((FileEvent.WriteOpened) probe.expectMessage(TIMEOUT)).writer();
        w.tell(new FileIo.WriterCommand.Write("abc".getBytes(StandardCharsets.UTF_8)));
        w.tell(new FileIo.WriterCommand.Write("de".getBytes(StandardCharsets.UTF_8)));
        w.tell(new FileIo.WriterCommand.Close());
        assertEquals(new FileEvent.Written(f, 0, 3), probe.expectMessage(TIMEOUT));
        assertEquals(new FileEvent.Written(f, 1, 5), probe.expectMessage(TIMEOUT));
        assertEquals(new FileEvent.WriteClosed(f, 5), probe.expectMessage(TIMEOUT));
        assertEquals("abcde", Files.readString(f));
    }

    @Test
    void writerSentMoreThanItMayHold_answersOverloaded_neverAnUnboundedQueue() throws Exception {
        // A writer whose write is stuck (a FIFO nobody reads) holds at most MAX_WAITING_WRITES commands behind it;
        // the next one is answered with FileError OVERLOADED, before any Written, and the writer stops.
        final Path fifo = dir.resolve("slow-pipe");
        final Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        assertTrue(mkfifo.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && mkfifo.exitValue() == 0,
                "mkfifo (coreutils) failed: " + new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        final java.util.concurrent.CountDownLatch drain = new java.util.concurrent.CountDownLatch(1);
        final Thread reader = new Thread(() -> {
            try (java.io.FileInputStream in = new java.io.FileInputStream(fifo.toFile())) { // opens when the writer does
                drain.await();
                in.transferTo(java.io.OutputStream.nullOutputStream()); // until the writer's side closes
            } catch (IOException | InterruptedException e) {
                // the test's assertions say what matters
            }
        }, "fifo-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            final TestProbe<FileEvent> probe = TestProbe.create(system);
            FileIo.openWrite(system, fifo, probe.ref());
            final ActorRef<FileIo.WriterCommand> w = ((FileEvent.WriteOpened) probe.expectMessage(TIMEOUT)).writer();
            w.tell(new FileIo.WriterCommand.Write(new byte[1 << 20])); // more than a pipe holds: the write blocks
            for (int i = 0; i <= FileIo.MAX_WAITING_WRITES; i++) {
                w.tell(new FileIo.WriterCommand.Write(new byte[] {(byte) i}));
            }
            final FileError error = (FileError) probe.expectMessage(TIMEOUT);
            assertEquals(FileError.Kind.OVERLOADED, error.kind());
            assertTrue(error.message().contains(String.valueOf(FileIo.MAX_WAITING_WRITES)), error.message());
        } finally {
            drain.countDown();
            reader.join(TIMEOUT.toMillis());
        }
    }

    @Test
    void missingFile_isANotFoundErrorMessage_forEveryOperation() {
        // Reading, streaming, metadata and listing of a path that does not exist each answer FileError NOT_FOUND naming path and operation.
        final Path missing = dir.resolve("missing");
        final TestProbe<FileEvent> probe = TestProbe.create(system);
        FileIo.readAll(system, missing, 10, probe.ref());
        assertEquals(new FileError(missing, "read", FileError.Kind.NOT_FOUND, missing.toString()), probe.expectMessage(TIMEOUT));
        FileIo.openRead(system, missing, 10, probe.ref());
        assertEquals(new FileError(missing, "open", FileError.Kind.NOT_FOUND, missing.toString()), probe.expectMessage(TIMEOUT));
        FileIo.metadata(system, missing, probe.ref());
        assertEquals(FileError.Kind.NOT_FOUND, ((FileError) probe.expectMessage(TIMEOUT)).kind());
        FileIo.list(system, missing, probe.ref());
        assertEquals(FileError.Kind.NOT_FOUND, ((FileError) probe.expectMessage(TIMEOUT)).kind());
    }

    @Test
    void writeIntoReadOnlyDirectory_isAnAccessDeniedErrorMessage() throws IOException {
        // Creating a file where the process may not write answers FileError ACCESS_DENIED, for a whole write and a stream alike.
        final Path readOnly = readOnlyDirectory();
        final Path target = readOnly.resolve("new.txt");
        final TestProbe<FileEvent> probe = TestProbe.create(system);
        FileIo.writeAll(system, target, new byte[] {1}, probe.ref());
        final FileError e1 = (FileError) probe.expectMessage(TIMEOUT);
        assertEquals(List.of(target, "write", FileError.Kind.ACCESS_DENIED), List.of(e1.path(), e1.operation(), e1.kind()));
        FileIo.openWrite(system, target, probe.ref());
        final FileError e2 = (FileError) probe.expectMessage(TIMEOUT);
        assertEquals(List.of(target, "open", FileError.Kind.ACCESS_DENIED), List.of(e2.path(), e2.operation(), e2.kind()));
        assertFalse(Files.exists(target));
    }

    /** A directory this process cannot create files in: a r-x temp directory, or (running as root, which ignores that) /sys. */
    private Path readOnlyDirectory() throws IOException {
        final Path ro = dir.resolve("ro");
        Files.createDirectory(ro);
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (!Files.isWritable(ro)) {
            return ro;
        }
        final Path sys = Path.of("/sys");
        Assumptions.assumeTrue(Files.isDirectory(sys), "no directory this process cannot write to");
        try {
            Files.createFile(sys.resolve("troupe-probe"));
            Files.delete(sys.resolve("troupe-probe"));
            Assumptions.abort("root can write everywhere here");
        } catch (IOException expected) {
            assertTrue(expected instanceof java.nio.file.AccessDeniedException, "/sys refused with " + expected);
        }
        return sys;
    }

    @Test
    void openRead_thatBlocks_runsOnTheBlockingPool_andTheOnlyWorkerStaysFree() throws Exception {
        // File system calls run on the system's blocking pool, never on a dispatcher worker: opening a FIFO blocks until a
        // writer comes; while it does, the thread blocked in open() is a blocking-pool thread and, with a single worker,
        // another actor still answers; once a writer opens the FIFO, ReadOpened arrives.
        final Path fifo = dir.resolve("pipe");
        final Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        assertTrue(mkfifo.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && mkfifo.exitValue() == 0,
                "mkfifo (coreutils) failed: " + new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        try (ActorSystem one = ActorSystem.builder("fifo-" + System.nanoTime()).parallelism(1).deadLetterLogsPerSecond(0).build()) {
            final TestProbe<FileEvent> probe = TestProbe.create(one);
            final TestProbe<String> pongs = TestProbe.create(one);
            final ActorRef<String> echo = one.spawn(io.troupe.actors.Actor.<String>of((ctx, m) -> pongs.ref().tell(m)), "echo");
            FileIo.openRead(one, fifo, 16, probe.ref());
            String blockedIn = null;
            java.io.FileOutputStream writer = null;
            try {
                final long deadline = System.nanoTime() + TIMEOUT.toNanos();
                while (blockedIn == null && System.nanoTime() < deadline) {
                    blockedIn = threadInNativeOpen(one.name() + "-");
                    if (blockedIn == null) {
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    }
                }
                assertTrue(blockedIn != null, "no thread blocked in open() of the FIFO");
                echo.tell("ping while the open blocks");
                assertEquals("ping while the open blocks", pongs.expectMessage(TIMEOUT));
            } finally {
                writer = new java.io.FileOutputStream(fifo.toFile()); // lets the open return, whoever runs it
            }
            try (java.io.FileOutputStream w = writer) {
                assertTrue(blockedIn.startsWith(one.name() + "-blocking-"), "open() ran on " + blockedIn);
                final FileEvent.ReadOpened opened = (FileEvent.ReadOpened) probe.expectMessage(TIMEOUT);
                assertEquals(fifo, opened.path());
                opened.reader().tell(new FileIo.ReaderCommand.Cancel());
            }
        }
    }

    /** The name of a thread of the system (its name starts with {@code prefix}) in the native open() of a file, or null. */
    private static String threadInNativeOpen(String prefix) {
        for (var e : Thread.getAllStackTraces().entrySet()) {
            if (!e.getKey().getName().startsWith(prefix)) {
                continue;
            }
            for (StackTraceElement f : e.getValue()) {
                if (f.getClassName().equals("sun.nio.fs.UnixNativeDispatcher") && f.getMethodName().startsWith("open")) {
                    return e.getKey().getName();
                }
            }
        }
        return null;
    }
}
