package io.troupe.actors.internal.counters;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One actor system's counters, kept in a counters file laid out as Agrona's (see
 * {@link CountersLayout}) and memory-mapped, as Aeron's CnC file, so that another process reads
 * them without attaching to the JVM; or, without a directory (the default), in memory with the
 * same layout.
 *
 * <p>Thread safe: every counter is a {@link Counter} updated without locks from any thread.
 * Counters bumped per message are not updated per message: the message and activation counts
 * are per-worker plain fields ({@code ActivationProbe}) that the system's watchdog sums into
 * {@link #messagesHandled} and {@link #activations} every scan, so the hot path pays nothing.
 */
public final class SystemCounters implements AutoCloseable {
    /*
     * Threading protocol: counters are written by any thread (atomic adds); the summed ones
     * (messagesHandled, activations, heartbeat) only by the watchdog's timer thread (release
     * stores). Readers in other processes map the file read-only.
     * Invariants: the header's MAGIC is written last, with a release store, after every counter's
     * metadata; a reader that sees it sees a complete layout.
     * Memory ordering: VarHandle views of the buffer (Counter); no Unsafe, so the core needs no
     * --add-exports (Agrona 2's buffers need jdk.internal.misc).
     * Shutdown: close() deletes the file; the mapping stays valid until the buffer is collected,
     * so a counter updated by a late thread after close never touches freed memory.
     * References: Aeron's CncFileDescriptor and AeronStat; Agrona's CountersManager.
     */
    private static final System.Logger LOG = System.getLogger("io.troupe.actors.SystemCounters");

    private final Path file;
    private final ByteBuffer buffer;
    private final List<Counter> all = new ArrayList<>();

    /** Messages handled (system messages included), summed from the workers by the watchdog. */
    public final Counter messagesHandled;
    /** Activations (turns) of actors, summed from the workers by the watchdog. */
    public final Counter activations;
    /** Actors spawned and not yet terminated (guardians not counted). */
    public final Counter actorsAlive;
    /** Actors spawned since the system started. */
    public final Counter actorsSpawned;
    /** Messages sent to dead letters. */
    public final Counter deadLetters;
    /** Messages that overflowed a mailbox. */
    public final Counter mailboxOverflows;
    /** Handler, factory or hook failures. */
    public final Counter failures;
    /** Restarts by supervision. */
    public final Counter restarts;
    /** Asks that timed out. */
    public final Counter askTimeouts;
    /** Slow handlers reported by the watchdog. */
    public final Counter slowHandlers;
    /** Sockets open (connection actors with a connected channel). */
    public final Counter socketsOpen;
    /** Bytes read from sockets. */
    public final Counter bytesRead;
    /** Bytes written to sockets. */
    public final Counter bytesWritten;
    /** Epoch milliseconds of the watchdog's last scan: a reader tells a stuck or dead process by its age. */
    public final Counter heartbeatMillis;

    private SystemCounters(Path file, ByteBuffer buffer, String systemName) {
        this.file = file;
        this.buffer = buffer;
        this.messagesHandled = newCounter("messages handled", CountersLayout.TYPE_SYSTEM);
        this.activations = newCounter("activations", CountersLayout.TYPE_SYSTEM);
        this.actorsAlive = newCounter("actors alive", CountersLayout.TYPE_SYSTEM);
        this.actorsSpawned = newCounter("actors spawned", CountersLayout.TYPE_SYSTEM);
        this.deadLetters = newCounter("dead letters", CountersLayout.TYPE_SYSTEM);
        this.mailboxOverflows = newCounter("mailbox overflows", CountersLayout.TYPE_SYSTEM);
        this.failures = newCounter("failures", CountersLayout.TYPE_SYSTEM);
        this.restarts = newCounter("restarts", CountersLayout.TYPE_SYSTEM);
        this.askTimeouts = newCounter("ask timeouts", CountersLayout.TYPE_SYSTEM);
        this.slowHandlers = newCounter("slow handlers", CountersLayout.TYPE_SYSTEM);
        this.socketsOpen = newCounter("sockets open", CountersLayout.TYPE_SYSTEM);
        this.bytesRead = newCounter("bytes read", CountersLayout.TYPE_SYSTEM);
        this.bytesWritten = newCounter("bytes written", CountersLayout.TYPE_SYSTEM);
        this.heartbeatMillis = newCounter("heartbeat (epoch ms)", CountersLayout.TYPE_HEARTBEAT);
        heartbeatMillis.setRelease(System.currentTimeMillis());
        CountersLayout.writeHeader(buffer, ProcessHandle.current().pid(), System.currentTimeMillis(), systemName);
    }

    private Counter newCounter(String label, int typeId) {
        final int id = all.size();
        CountersLayout.writeMetadata(buffer, id, typeId, label);
        final Counter c = new Counter(buffer, CountersLayout.valueOffset(id), label);
        all.add(c);
        return c;
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
                    throw new IOException("no such directory");
                }
                final ByteBuffer mapped;
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                    raf.setLength(0); // a stale file of a dead process with the same pid: start afresh
                    raf.setLength(CountersLayout.FILE_LENGTH);
                    mapped = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, CountersLayout.FILE_LENGTH);
                }
                return new SystemCounters(file, mapped, systemName);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "actor system ''{0}'': cannot create the counters file {1} ({2});"
                        + " the counters are kept in memory only", systemName, file, e.toString());
            }
        }
        return new SystemCounters(null, ByteBuffer.allocateDirect(CountersLayout.FILE_LENGTH), systemName);
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
     * The counters' current values by label, in id order. Any thread; a racy snapshot.
     *
     * @return label to value
     */
    public Map<String, Long> values() {
        return CountersLayout.values(buffer);
    }

    /** Deletes the file (if any). Called once, by the system's shutdown. */
    @Override
    public void close() {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot delete the counters file {0}: {1}", file, e.toString());
            }
        }
    }
}
