package io.troupe.io.internal;

import io.troupe.actors.ActorRef;
import io.troupe.actors.internal.Dispatcher;
import io.troupe.actors.internal.IdlePoller;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An I/O reactor: one {@link Selector} whose readiness becomes {@link Readiness} messages to the
 * actors that own the channels. It runs no user code and performs no reads or writes: the owner
 * actors do those on their own threads, so a slow handler can never stall the other channels.
 *
 * <p>Two ways to drive it: {@link #onWorkers} lets the idle workers of a work-stealing
 * dispatcher poll it (the default: readiness is found on the worker that then runs the socket
 * actor, with no thread hand-off), {@link #withThread} gives it a thread of its own.
 *
 * <p>Thread safe: any thread may {@link #register} channels; registrations are applied by the
 * thread polling the selector through a command queue.
 */
public final class Reactor implements Runnable, IdlePoller {
    /*
     * Implementation overview
     *
     * Threading protocol. Producers (owner actors on dispatcher threads) put commands on an
     * MPSC ConcurrentLinkedQueue: a Registration (register, or copy its armed set into its key)
     * or a CloseCommand. The polling thread alone touches the Selector's key sets: the reactor
     * thread, or (driven by workers) the one worker the dispatcher lets in at a time, so a
     * command made on the worker that will poll next needs no wake-up at all. One poll:
     * run up to COMMAND_BATCH commands; if it closed channels, selectNow() so the JDK releases
     * their file descriptors, then run the close callbacks; announce SELECTING; select (or
     * selectNow if commands arrived meanwhile); announce AWAKE; for each selected key disarm
     * what fired and tell the owner. Telling uses offer(), and send() (lossless, no thread
     * blocked) when the owner's mailbox is full, so readiness is never dropped.
     *
     * Wake-up protocol (`selecting`), batched: a producer calls Selector.wakeup() only when it
     * moves `selecting` from SELECTING to AWAKE, so a burst of commands during one select costs
     * one wakeup syscall, and none while the reactor is awake.
     *   AWAKE -> SELECTING      // reactor, just before checking the queue and selecting
     *   SELECTING -> AWAKE      // a producer that enqueued (then wakes the selector), or the
     *                           // reactor when select returns
     *
     * Lifecycle (`state`):
     *   RUNNING -> STOPPING     // close() called
     *   STOPPING -> TERMINATED  // the thread (or close(), once the dispatcher let the reactor
     *                           // go) drained its commands, closed every channel and the selector
     *
     * Invariants.
     *  1. No command is stranded: a producer enqueues, then reads `selecting`; the reactor
     *     writes SELECTING, then reads the queue. With volatile accesses one of them sees the
     *     other (Dekker), so either the reactor does not block or the producer wakes it.
     *  2. A selected key's fired bits are disarmed before its owner is told (Registration).
     *  3. At TERMINATED every channel that was registered is closed and the selector is closed.
     *
     * Memory ordering. The queue's offer (release) / poll (acquire) orders a producer's writes
     * before the reactor's use of the command. `selecting` and `state` are volatile. Telling an
     * actor orders the reactor's work before the owner's handling (mailbox).
     *
     * Shutdown. close() sets STOPPING and wakes the selector; the thread runs the remaining
     * commands, closes every registered channel, closes the selector (which releases the file
     * descriptors), runs outstanding close callbacks and ends; close() joins it (bounded).
     * Driven by workers, close() detaches the reactor from the dispatcher (waking a worker
     * blocked in select and waiting until none is inside), then does the same on its own thread.
     *
     * Faults. A select that throws an IOException loses that turn only. A selector closed
     * underneath (ClosedSelectorException while RUNNING) is replaced: rebuildSelector opens a
     * new one and registers every live registration (`live`, polling thread only) in it with
     * the interest its owner wants, so no owner notices; the worker or thread goes on.
     *
     * Counting (issue 15). The reactor's own thread counts its turns in `threadPolls` (one
     * writer: a plain read and an opaque store), which the system's "selector polls" reads
     * through SystemCounters.addPollSource; workers that drive it count their polls in their
     * own probes instead, so no poll is counted twice.
     *
     * References. Netty's NioEventLoop (wakenUp flag, selectNow when tasks are pending);
     * Pekko IO's SelectionHandler; Tokio's mio-based driver (one readiness event per arm).
     */
    private static final System.Logger LOG = System.getLogger(Reactor.class.getName());
    private static final int AWAKE = 0;
    private static final int SELECTING = 1;

    /** Accepting registrations and selecting. */
    private static final int RUNNING = 0;
    /** close() was called; the thread is closing everything. */
    private static final int STOPPING = 1;
    /** Everything is closed and the thread has ended. */
    private static final int TERMINATED = 2;

    /** Commands run per loop turn at most, so a burst of commands cannot starve selection. */
    private static final int COMMAND_BATCH = 1024;

    /**
     * Replaced only by rebuildSelector (polling thread), when it was closed underneath; volatile
     * for wakeup() from other threads.
     */
    private volatile Selector selector;
    /** The registrations with a key in the selector, for a rebuild and for shutdown. Polling thread only. */
    private final java.util.HashSet<Registration> live = new java.util.HashSet<>();
    private final ConcurrentLinkedQueue<Object> commands = new ConcurrentLinkedQueue<>();
    /** The reactor's own thread, or null when workers drive it. */
    private final Thread thread;
    /** The dispatcher whose workers drive it, or null. */
    private final Dispatcher drivenBy;
    private final String name;
    private final ArrayList<CloseCommand> closedThisTurn = new ArrayList<>();
    private volatile int selecting;
    private volatile int state;
    /**
     * Test hook (bad input, see ReactorFaultTest): when set, the next turn throws it instead of
     * selecting, as a failing {@code epoll_wait} would; the turn clears it.
     */
    volatile IOException failNextSelect;
    /** Statistics, written by the reactor thread only, read racily. */
    private volatile long wakeups;
    private volatile long selects;
    /**
     * Turns of the reactor's own thread (each a poll of the selector, blocking or not): the
     * system's "selector polls" counter reads it (issue 15). One writer, the reactor thread: a
     * plain read and an opaque store, no atomic; read with opaque loads. Workers' polls of a
     * worker-driven reactor are counted by the workers instead. Not counted under
     * {@code -Dtroupe.observe.hooks=false}, like the workers' polls.
     */
    private long threadPolls;
    /** The current poll's: whether it may block, and the owners told so far. Polling thread only. */
    private boolean pollBlocking;
    private int told;
    private final java.util.function.Consumer<SelectionKey> onSelected = this::onSelected;

    private Reactor(String name, Dispatcher drivenBy) throws IOException {
        this.name = Objects.requireNonNull(name, "name");
        this.selector = Selector.open();
        this.drivenBy = drivenBy;
        this.thread = drivenBy == null ? new Thread(this, name) : null;
    }

    /**
     * Opens a selector and starts the reactor thread, named {@code threadName}, as a daemon.
     *
     * @throws IOException if the selector cannot be opened
     */
    public static Reactor withThread(String threadName) throws IOException {
        final Reactor r = new Reactor(threadName, null);
        r.thread.setDaemon(true);
        r.thread.start();
        return r;
    }

    /**
     * Opens a selector that the idle workers of {@code dispatcher} drive.
     *
     * @return the reactor, or {@code null} if the dispatcher cannot drive one (the caller then
     *     uses {@link #withThread})
     * @throws IOException if the selector cannot be opened
     */
    public static Reactor onWorkers(String name, Dispatcher dispatcher) throws IOException {
        final Reactor r = new Reactor(name, Objects.requireNonNull(dispatcher, "dispatcher"));
        if (!dispatcher.attachPoller(r)) {
            r.selector.close();
            return null;
        }
        return r;
    }

    /** Whether a dispatcher's workers drive this reactor (no thread of its own). */
    public boolean isDrivenByWorkers() {
        return drivenBy != null;
    }

    /**
     * Registers {@code channel} (non-blocking) with this reactor, owned by {@code owner}, with
     * {@code ops} armed. Any thread; lock-free; one queue node and one registration object.
     * Readiness is told to {@code owner} as {@link Readiness} messages.
     */
    public Registration register(SelectableChannel channel, ActorRef<Object> owner, int ops) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(owner, "owner");
        if (channel.isBlocking()) {
            throw new IllegalArgumentException("channel must be in non-blocking mode: " + channel);
        }
        final Registration r = new Registration(this, channel, owner, ops);
        submit(r); // its first update registers it (its `queued` flag starts set)
        return r;
    }

    void submitUpdate(Registration r) {
        submit(r);
    }

    void submitClose(Registration r, Runnable then) {
        submit(new CloseCommand(r, then));
    }

    private void submit(Object command) {
        commands.offer(command);
        if (state == TERMINATED) {
            runCommandsAfterTermination();
            return;
        }
        if (selecting == SELECTING && SELECTING_HANDLE.compareAndSet(this, SELECTING, AWAKE)) {
            selector.wakeup();
        }
    }

    /** Number of selector wake-ups issued by producers so far; a snapshot, for diagnostics. */
    public long wakeups() {
        return wakeups;
    }

    /** Number of select calls so far; a snapshot, for diagnostics. */
    public long selects() {
        return selects;
    }

    /**
     * Polls of the selector by this reactor's own thread so far (one per turn: a select, or a
     * selectNow when commands wait), possibly slightly stale; 0 for a reactor the workers drive
     * (they count their polls themselves). Any thread.
     */
    public long threadPolls() {
        return (long) THREAD_POLLS.getOpaque(this);
    }

    /**
     * Stops the reactor: closes every channel still registered and the selector, and waits up
     * to {@code timeoutMillis} for the thread to end. Idempotent; any thread but the reactor's.
     *
     * @return whether the thread ended in time
     */
    public boolean close(long timeoutMillis) {
        if (thread == null) {
            if (STATE.compareAndSet(this, RUNNING, STOPPING)) {
                drivenBy.detachPoller(this); // no worker is inside, or will enter, from here on
                shutdown();
            }
            return true;
        }
        if (STATE.compareAndSet(this, RUNNING, STOPPING)) {
            selector.wakeup();
        }
        try {
            thread.join(Math.max(1, timeoutMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    // ------------------------------------------------------------ the polling thread

    @Override
    public void run() {
        try {
            while (state == RUNNING) {
                if (io.troupe.actors.internal.jfr.TroupeEvents.HOOKS) { // off with the other per-turn counts
                    THREAD_POLLS.setOpaque(this, threadPolls + 1);
                }
                try {
                    turn(true);
                } catch (ClosedSelectorException e) {
                    if (state != RUNNING || !rebuildSelector(e)) {
                        break;
                    }
                } catch (VirtualMachineError e) {
                    throw e;
                } catch (Throwable t) {
                    LOG.log(System.Logger.Level.ERROR, "reactor " + name + " turn failed; continuing", t);
                }
            }
        } finally {
            shutdown();
        }
    }

    @Override
    public int pollNow() {
        return pollOnWorker(false);
    }

    @Override
    public int pollBlocking() {
        return pollOnWorker(true);
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    /** One turn on a worker: a failure is logged and the worker goes on (no worker dies of I/O). */
    private int pollOnWorker(boolean block) {
        if (state != RUNNING) {
            return 0;
        }
        try {
            return turn(block);
        } catch (ClosedSelectorException e) {
            if (state == RUNNING) {
                rebuildSelector(e); // closed underneath (not by close(), which sets STOPPING first)
            }
            return 0;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "reactor " + name + " poll failed; continuing", t);
            return 0;
        }
    }

    /** Runs commands, selects (blocking or not), tells owners; returns the readiness events told. */
    private int turn(boolean block) throws IOException {
        runCommands(COMMAND_BATCH);
        int found = flushCloses();
        if (state != RUNNING) {
            return found;
        }
        if (failNextSelect != null) {
            throwInjectedFailure();
        }
        if (!block || found > 0) {
            // found > 0: close callbacks told their owners, who now sit in this thread's queue
            // (its LIFO slot on a worker): blocking in select would strand them.
            return found + selectNow(false);
        }
        SELECTING_HANDLE.setVolatile(this, SELECTING);
        if (!commands.isEmpty()) {
            SELECTING_HANDLE.setVolatile(this, AWAKE);
            return found + selectNow(true);
        }
        selects++;
        pollBlocking = true;
        told = 0;
        try {
            selector.select(onSelected);
        } finally {
            if ((int) SELECTING_HANDLE.getAndSet(this, AWAKE) == AWAKE) {
                wakeups++; // a producer moved it: the wakeup was (probably) why select returned
            }
        }
        return found + told;
    }

    /** A non-blocking select whose ready keys go to {@link #onSelected}; returns the owners told. */
    private int selectNow(boolean blocking) throws IOException {
        pollBlocking = blocking;
        told = 0;
        selector.selectNow(onSelected);
        return told;
    }

    /** The test hook's failure, once; out of line, off the hot path. */
    private void throwInjectedFailure() throws IOException {
        final IOException injected = failNextSelect;
        failNextSelect = null;
        throw injected;
    }

    private void runCommands(int limit) {
        for (int i = 0; i < limit; i++) {
            final Object c = commands.poll();
            if (c == null) {
                return;
            }
            if (c instanceof Registration r) {
                runUpdate(r);
            } else {
                runClose((CloseCommand) c);
            }
        }
    }

    private void runUpdate(Registration r) {
        if (r.key != null) {
            r.onUpdate();
            return;
        }
        if (r.isClosed()) {
            return; // closed before it was registered: the close command follows
        }
        try {
            try {
                r.key = r.channel.register(selector, 0, r);
            } catch (ClosedSelectorException e) {
                if (!rebuildSelector(e)) {
                    throw e;
                }
                r.key = r.channel.register(selector, 0, r);
            }
            live.add(r);
            r.onUpdate();
        } catch (ClosedChannelException e) {
            // the owner closed it; its close command follows
        } catch (CancelledKeyException e) {
            // likewise
        }
    }

    private void runClose(CloseCommand c) {
        final Registration r = c.registration;
        live.remove(r);
        if (r.key != null) {
            r.key.cancel();
        }
        try {
            r.channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing " + r.channel + " failed", e);
        }
        closedThisTurn.add(c);
    }

    /** Lets the JDK release the descriptors of channels closed this turn, then runs the callbacks. */
    private int flushCloses() throws IOException {
        if (closedThisTurn.isEmpty()) {
            return 0;
        }
        final int found = selectNow(false) + closedThisTurn.size(); // also flushes cancelled keys
        for (CloseCommand c : closedThisTurn) {
            runCallback(c);
        }
        closedThisTurn.clear();
        return found; // readiness told and callbacks run (they tell their owners)
    }

    private static void runCallback(CloseCommand c) {
        if (c.then != null) {
            try {
                c.then.run();
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "close callback failed", t);
            }
        }
    }

    /**
     * For each ready key of a select (the action-taking {@code select}, so no selected-key set
     * is filled and emptied): disarms what fired and tells the owner. Runs on the polling thread,
     * inside the select call; runs no user code (a tell only enqueues).
     */
    private void onSelected(SelectionKey key) {
        final Registration r = (Registration) key.attachment();
        try {
            if (!key.isValid()) {
                return;
            }
            final int fired = r.onReady(key.readyOps(), pollBlocking);
            if (fired != 0) {
                told++;
                tell(r, Readiness.of(fired));
            }
        } catch (CancelledKeyException e) {
            // closed concurrently by its owner: nothing to report
        }
    }

    private static void tell(Registration r, Object message) {
        if (!r.owner.offer(message) && !r.isClosed()) {
            r.owner.send(message); // full: wait for room without blocking any thread
        }
    }

    private void shutdown() {
        try {
            runCommands(Integer.MAX_VALUE);
            for (Registration r : live) {
                try {
                    r.channel.close();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, "closing " + r.channel + " failed", e);
                }
            }
            live.clear();
            selector.close();
        } catch (IOException | ClosedSelectorException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the selector of " + name + " failed", e);
        } finally {
            for (CloseCommand c : closedThisTurn) {
                runCallback(c);
            }
            closedThisTurn.clear();
            state = TERMINATED;
            runCommandsAfterTermination();
        }
    }

    /**
     * The selector was closed underneath (by code that is not this reactor's): open a new one and
     * register every live channel in it with the interest its owner wants, as Netty's rebuildSelector
     * does. Nothing is lost: the channels are intact, interest is level-triggered, so what became
     * ready meanwhile is reported by the next select, and no owner needs to know. A channel that
     * cannot be registered again is closed and its owner told that it is not readable, so that it
     * finds the channel closed and ends with an error. Polling thread.
     *
     * @return false if no new selector could be opened (the reactor then stops)
     */
    private boolean rebuildSelector(RuntimeException why) {
        final Selector fresh;
        try {
            fresh = Selector.open();
        } catch (IOException e) {
            e.addSuppressed(why);
            LOG.log(System.Logger.Level.ERROR, "the selector of reactor " + name
                    + " was closed underneath and no new one can be opened; the reactor stops", e);
            state = STOPPING;
            return false;
        }
        int moved = 0;
        final java.util.Iterator<Registration> it = live.iterator();
        while (it.hasNext()) {
            final Registration r = it.next();
            if (r.isClosed()) {
                continue; // its close command follows
            }
            try {
                r.key = r.channel.register(fresh, 0, r);
                r.onUpdate(); // the interest its owner wants now (an update the dead key missed included)
                moved++;
            } catch (IOException | RuntimeException e) {
                it.remove();
                r.key = null;
                try {
                    r.channel.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                tell(r, Readiness.of(SelectionKey.OP_READ | SelectionKey.OP_WRITE)); // the owner finds it closed
            }
        }
        selector = fresh; // volatile: producers that see SELECTING from now on wake this one
        rebuilds++;
        LOG.log(System.Logger.Level.ERROR, "the selector of reactor " + name + " was closed underneath ("
                + why + "); a new one took over " + moved + " channels", why);
        return true;
    }

    /** Selectors opened to replace one closed underneath; a snapshot, for diagnostics and tests. */
    public int rebuilds() {
        return rebuilds;
    }

    private volatile int rebuilds;

    /** After termination there is no selector: close channels on the caller's thread. */
    private void runCommandsAfterTermination() {
        synchronized (commands) {
            Object c;
            while ((c = commands.poll()) != null) {
                if (c instanceof CloseCommand cc) {
                    try {
                        cc.registration.channel.close();
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.DEBUG, "closing a channel failed", e);
                    }
                    runCallback(cc);
                } else if (c instanceof Registration r) {
                    try {
                        r.channel.close(); // registered after the reactor stopped: nobody will serve it
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.DEBUG, "closing a channel failed", e);
                    }
                }
            }
        }
    }

    /** Close a channel, then (after the descriptor is released) run a callback. */
    private static final class CloseCommand {
        final Registration registration;
        final Runnable then;

        CloseCommand(Registration registration, Runnable then) {
            this.registration = registration;
            this.then = then;
        }
    }

    private static final VarHandle SELECTING_HANDLE;
    private static final VarHandle STATE;
    private static final VarHandle THREAD_POLLS;

    static {
        try {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            THREAD_POLLS = l.findVarHandle(Reactor.class, "threadPolls", long.class);
            SELECTING_HANDLE = l.findVarHandle(Reactor.class, "selecting", int.class);
            STATE = l.findVarHandle(Reactor.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
