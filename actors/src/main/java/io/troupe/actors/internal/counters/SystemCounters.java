package io.troupe.actors.internal.counters;

import io.troupe.actors.internal.Dispatcher;
import io.troupe.actors.internal.WorkerCounts;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One actor system's counters, kept in a counters file laid out as Agrona's (see
 * {@link CountersLayout}) and memory-mapped, as Aeron's CnC file, so that another process reads
 * them without attaching to the JVM; or, without a directory (the default), in memory with the
 * same layout.
 *
 * <p>Thread safe: every counter is a {@link Counter} updated without locks from any thread.
 * Counters bumped per message or per worker turn are not updated where they happen: messages
 * handled, activations, steals, parks and selector polls are per-worker plain fields
 * ({@code ActivationProbe}) that {@link #fold()} sums into the file, the polls of reactors with
 * threads of their own are each reactor's own count ({@link #addPollSource}), and timers
 * pending is the timer wheel's own count; the system's watchdog folds every scan and
 * {@link #values()} folds before it reads, so the hot path pays nothing.
 */
public final class SystemCounters implements AutoCloseable {
    /*
     * Threading protocol: counters are written by any thread (atomic adds); the folded ones
     * (messagesHandled, activations, steals, parks, selectorPolls, timersPending) only inside
     * fold(), which is synchronized (the watchdog's scan and in-process readers), and the
     * heartbeat only by the watchdog (release stores). Readers in other processes map the file
     * read-only. Poll sources are added from any thread (a copy-on-write list) and removed under
     * this object's monitor, which fold() holds too: a removed source's last value moves into
     * `retiredPolls` in the same step, so it is summed exactly once and selector polls never go
     * down when a reactor closes.
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
    /** The system's dispatchers, whose workers' probes {@link #fold()} sums; set by {@link #attach}. */
    private volatile Supplier<? extends List<Dispatcher>> dispatchers = List::of;
    /** The timer wheel's pending count; set by {@link #attach}. */
    private volatile LongSupplier pendingTimers = () -> 0L;
    /** Polls counted by pollers with threads of their own (reactor threads); see {@link #addPollSource}. */
    private final List<LongSupplier> pollSources = new CopyOnWriteArrayList<>();
    /** The last values of the poll sources removed so far; guarded by this. */
    private long retiredPolls;
    /** The fold's scratch sums; guarded by this. */
    private final WorkerCounts sums = new WorkerCounts();

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
    /** Stream sockets open: connection actors (TCP or Unix-domain) with a connected channel. */
    public final Counter socketsOpen;
    /** Listening sockets open: TCP (or Unix-domain) listeners bound and not yet released. */
    public final Counter listenersOpen;
    /** UDP sockets open: bound and not yet released. */
    public final Counter udpSocketsOpen;
    /** Bytes read from sockets. */
    public final Counter bytesRead;
    /** Bytes written to sockets. */
    public final Counter bytesWritten;
    /** Work stolen from another worker's queue, summed from the workers by {@link #fold()}. */
    public final Counter steals;
    /** Times a worker parked (or blocked in the I/O driver) with nothing to run, summed by {@link #fold()}. */
    public final Counter parks;
    /**
     * Polls of the I/O driver's selectors, blocking or not: by the workers, and by reactors with
     * threads of their own ({@link #addPollSource}); summed by {@link #fold()}.
     */
    public final Counter selectorPolls;
    /** Timers scheduled and neither fired nor cancelled, the timer wheel's count, read by {@link #fold()}. */
    public final Counter timersPending;
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
        this.listenersOpen = newCounter("listeners open", CountersLayout.TYPE_SYSTEM);
        this.udpSocketsOpen = newCounter("udp sockets open", CountersLayout.TYPE_SYSTEM);
        this.bytesRead = newCounter("bytes read", CountersLayout.TYPE_SYSTEM);
        this.bytesWritten = newCounter("bytes written", CountersLayout.TYPE_SYSTEM);
        this.steals = newCounter("steals", CountersLayout.TYPE_SYSTEM);
        this.parks = newCounter("parks", CountersLayout.TYPE_SYSTEM);
        this.selectorPolls = newCounter("selector polls", CountersLayout.TYPE_SYSTEM);
        this.timersPending = newCounter("timers pending", CountersLayout.TYPE_SYSTEM);
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
     * Where {@link #fold()} finds the per-worker counts and the timers: called once by the system
     * that owns these counters, before anything reads them. Any thread.
     *
     * @param dispatchers the system's dispatchers created so far (called at each fold)
     * @param pendingTimers the number of timers pending in the system's timer wheel
     */
    public void attach(Supplier<? extends List<Dispatcher>> dispatchers, LongSupplier pendingTimers) {
        this.dispatchers = Objects.requireNonNull(dispatchers, "dispatchers");
        this.pendingTimers = Objects.requireNonNull(pendingTimers, "pendingTimers");
    }

    /**
     * Counts the polls of a selector that a thread of its own drives (an I/O reactor thread) in
     * "selector polls": each {@link #fold()} adds {@code polls}' current value, a count that only
     * grows (the reactor's own, one writer, no atomic). The workers' polls are counted without
     * this. Any thread; rare (once per reactor).
     *
     * @param polls the poller's count of its polls so far; read by the folding thread
     */
    public void addPollSource(LongSupplier polls) {
        pollSources.add(Objects.requireNonNull(polls, "polls"));
    }

    /**
     * Stops reading {@code polls} (its reactor has closed) and keeps its last value in "selector
     * polls", which therefore never goes down. Read once more here: call it after the poller's
     * thread has ended, or its later polls are not counted. Any thread; idempotent.
     *
     * @param polls a source given to {@link #addPollSource}
     */
    public synchronized void removePollSource(LongSupplier polls) {
        if (pollSources.remove(polls)) {
            retiredPolls += polls.getAsLong();
        }
    }

    /**
     * Sums the workers' plain counts (messages handled, activations, steals, parks, selector
     * polls; each dispatcher's {@link Dispatcher#addCounts}, which keeps the counts of threads
     * that ended: on the fork-join dispatcher steals are its pool's own count and parks are not
     * counted), adds the polls of the reactors with threads of their own, reads the timers
     * pending, and stores them in the counters. Cost: a pass over the workers and reactors (a few
     * opaque loads each) and the timer wheel's count; nothing on the workers. Any thread;
     * synchronized, so that two folds do not publish their sums out of order.
     */
    public synchronized void fold() {
        final WorkerCounts s = sums;
        s.clear();
        for (Dispatcher d : dispatchers.get()) {
            d.addCounts(s);
        }
        long pollCount = s.polls() + retiredPolls;
        for (LongSupplier source : pollSources) {
            pollCount += source.getAsLong();
        }
        messagesHandled.setRelease(s.handled());
        activations.setRelease(s.activations());
        steals.setRelease(s.steals());
        parks.setRelease(s.parks());
        selectorPolls.setRelease(pollCount);
        timersPending.setRelease(pendingTimers.getAsLong());
    }

    /**
     * The counters' current values by label, in id order, after a {@link #fold()} (so the
     * per-worker counts are those of now, not of the watchdog's last scan). Any thread; a racy
     * snapshot.
     *
     * @return label to value
     */
    public Map<String, Long> values() {
        fold();
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
