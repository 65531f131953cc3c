package io.troupe.actors.internal.counters;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * One actor system's counters, kept in an Agrona counters file (a {@link CountersManager} over a
 * memory-mapped file, as Aeron's CnC file) so that another process can read them without
 * attaching to the JVM; or, without a directory (the default), in memory with the same layout.
 *
 * <p>Thread safe: every counter is an {@link AtomicCounter} updated without locks from any
 * thread. Counters bumped per message are not here: the message and activation counts are
 * per-worker plain fields ({@code ActivationProbe}) that the system's watchdog sums into
 * {@link #messagesHandled} and {@link #activations} every scan, so the hot path pays nothing.
 */
public final class SystemCounters implements AutoCloseable {
    /*
     * Threading protocol: counters are written by any thread (atomic adds); the summed ones
     * (messagesHandled, activations, heartbeat) only by the watchdog's timer thread (release
     * stores). Readers in other processes map the file read-only.
     * Invariants: the header's MAGIC is written last, with a release store, after the metadata
     * and values are laid out; a reader that sees it sees a complete layout.
     * Memory ordering: Agrona's AtomicBuffer (VarHandle semantics over the mapping).
     * Shutdown: close() unmaps and deletes the file; counters updated after close go to a
     * dead in-memory buffer (the mapping is replaced, never left dangling).
     * References: Aeron's CncFileDescriptor and AeronStat.
     *
     * File layout (all little-endian, see CountersLayout):
     *   [0, HEADER_LENGTH)          header: magic, version, lengths, pid, start time, name
     *   [HEADER_LENGTH, +metaLen)   Agrona counters metadata
     *   [.., +valuesLen)            Agrona counters values
     */
    private static final System.Logger LOG = System.getLogger("io.troupe.actors.SystemCounters");

    private final Path file;
    private final MappedByteBuffer mapped;
    private final CountersManager manager;

    /** Messages handled (system messages included), summed from the workers by the watchdog. */
    public final AtomicCounter messagesHandled;
    /** Activations (turns) of actors, summed from the workers by the watchdog. */
    public final AtomicCounter activations;
    /** Actors spawned and not yet terminated (guardians not counted). */
    public final AtomicCounter actorsAlive;
    /** Actors spawned since the system started. */
    public final AtomicCounter actorsSpawned;
    /** Messages sent to dead letters. */
    public final AtomicCounter deadLetters;
    /** Messages that overflowed a mailbox. */
    public final AtomicCounter mailboxOverflows;
    /** Handler, factory or hook failures. */
    public final AtomicCounter failures;
    /** Restarts by supervision. */
    public final AtomicCounter restarts;
    /** Asks that timed out. */
    public final AtomicCounter askTimeouts;
    /** Slow handlers reported by the watchdog. */
    public final AtomicCounter slowHandlers;
    /** Sockets open (connection actors with a live channel). */
    public final AtomicCounter socketsOpen;
    /** Bytes read from sockets. */
    public final AtomicCounter bytesRead;
    /** Bytes written to sockets. */
    public final AtomicCounter bytesWritten;
    /** Epoch milliseconds of the watchdog's last scan: a reader tells a stuck or dead process by its age. */
    public final AtomicCounter heartbeatMillis;

    private SystemCounters(Path file, MappedByteBuffer mapped, AtomicBuffer whole, String systemName) {
        this.file = file;
        this.mapped = mapped;
        final UnsafeBuffer meta = new UnsafeBuffer(whole, CountersLayout.HEADER_LENGTH, CountersLayout.METADATA_LENGTH);
        final UnsafeBuffer values = new UnsafeBuffer(whole, CountersLayout.HEADER_LENGTH + CountersLayout.METADATA_LENGTH,
                CountersLayout.VALUES_LENGTH);
        this.manager = new CountersManager(meta, values, StandardCharsets.US_ASCII);
        this.messagesHandled = manager.newCounter("messages handled", CountersLayout.TYPE_SYSTEM);
        this.activations = manager.newCounter("activations", CountersLayout.TYPE_SYSTEM);
        this.actorsAlive = manager.newCounter("actors alive", CountersLayout.TYPE_SYSTEM);
        this.actorsSpawned = manager.newCounter("actors spawned", CountersLayout.TYPE_SYSTEM);
        this.deadLetters = manager.newCounter("dead letters", CountersLayout.TYPE_SYSTEM);
        this.mailboxOverflows = manager.newCounter("mailbox overflows", CountersLayout.TYPE_SYSTEM);
        this.failures = manager.newCounter("failures", CountersLayout.TYPE_SYSTEM);
        this.restarts = manager.newCounter("restarts", CountersLayout.TYPE_SYSTEM);
        this.askTimeouts = manager.newCounter("ask timeouts", CountersLayout.TYPE_SYSTEM);
        this.slowHandlers = manager.newCounter("slow handlers", CountersLayout.TYPE_SYSTEM);
        this.socketsOpen = manager.newCounter("sockets open", CountersLayout.TYPE_SYSTEM);
        this.bytesRead = manager.newCounter("bytes read", CountersLayout.TYPE_SYSTEM);
        this.bytesWritten = manager.newCounter("bytes written", CountersLayout.TYPE_SYSTEM);
        this.heartbeatMillis = manager.newCounter("heartbeat (epoch ms)", CountersLayout.TYPE_HEARTBEAT);
        heartbeatMillis.setRelease(System.currentTimeMillis());
        CountersLayout.writeHeader(whole, ProcessHandle.current().pid(), System.currentTimeMillis(), systemName);
    }

    /**
     * Opens the counters of system {@code systemName}: a file {@code troupe-<pid>-<name>.counters}
     * in {@code directory}, or in memory if {@code directory} is null. A directory that is missing
     * or not writable logs one warning and falls back to memory: the system starts regardless.
     * Any thread, once per system.
     *
     * @param systemName the system's name
     * @param directory where to put the file, or null for memory only
     * @return the counters
     */
    public static SystemCounters open(String systemName, Path directory) {
        Objects.requireNonNull(systemName, "systemName");
        if (directory != null) {
            final Path file = directory.resolve(CountersLayout.fileName(ProcessHandle.current().pid(), systemName));
            try {
                if (!Files.isDirectory(directory)) {
                    throw new IOException("not a directory (create it first)");
                }
                final MappedByteBuffer mapped;
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                    raf.setLength(0); // a stale file of a dead process with the same pid: start afresh
                    raf.setLength(CountersLayout.FILE_LENGTH);
                    mapped = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, CountersLayout.FILE_LENGTH);
                }
                return new SystemCounters(file, mapped, new UnsafeBuffer(mapped), systemName);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "actor system ''{0}'': cannot create the counters file {1} ({2});"
                        + " the counters are kept in memory only", systemName, file, e.toString());
            }
        }
        final ByteBuffer memory = ByteBuffer.allocateDirect(CountersLayout.FILE_LENGTH);
        return new SystemCounters(null, null, new UnsafeBuffer(memory), systemName);
    }

    /**
     * The counters file, or null if the counters are in memory only. Any thread.
     *
     * @return the file's path, or null
     */
    public Path file() {
        return file;
    }

    /**
     * A reader over these counters (labels and values), for in-process tools. Any thread.
     *
     * @return the reader
     */
    public CountersReader reader() {
        return manager;
    }

    /** Unmaps and deletes the file (if any). Called once, by the system's shutdown. */
    @Override
    public void close() {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot delete the counters file {0}: {1}", file, e.toString());
            }
            // Not unmapped: a counter updated by a late thread after close must not touch freed
            // memory; the mapping goes with the buffer's garbage collection.
        }
    }

    /** Releases the mapping at once; only for a caller that knows no thread writes any more. */
    void unmapForTests() {
        if (mapped != null) {
            IoUtil.unmap(mapped);
        }
    }
}
