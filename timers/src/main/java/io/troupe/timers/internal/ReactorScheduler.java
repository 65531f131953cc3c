package io.troupe.timers.internal;

import io.troupe.timers.Clock;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;

/**
 * A scheduler driven by its own timer thread ({@code troupe-timer}, daemon) on a real clock.
 * Thread safe: schedule and cancel from any thread are lock-free; see {@link
 * io.troupe.timers.Scheduler} for the contract.
 */
public final class ReactorScheduler extends AbstractScheduler {
    /*
     * Threading protocol
     *   One timer thread (the reactor) owns the wheel. Other threads talk to it only through
     *   `commands`, a JCTools MPSC queue of handles; a handle is its own command, and what it means
     *   follows from its state when the reactor takes it:
     *     QUEUED             -> schedule: CAS to PENDING and link it (a failed CAS means it was
     *                           cancelled meanwhile: drop it, nothing to unlink)
     *     CANCELLED          -> cancel: unlink it if it is linked
     *     PENDING, unlinked  -> re-arm of a periodic timer whose run finished on the executor
     *   The reactor loop: reset `minQueuedDeadline`, drain at most COMMAND_LIMIT commands, expire
     *   at most EXPIRY_LIMIT due timers (running them inline or handing them to the executor),
     *   then, if neither limit was hit, park until `parkDeadline` or a wake-up.
     *   Code that runs on the reactor itself (an inline task cancelling or re-arming a timer)
     *   changes the wheel directly instead of sending a command.
     *
     * Lifecycle (state)
     *   RUNNING  -> PARKING   // reactor, after publishing parkDeadline, before its last checks
     *   PARKING  -> RUNNING   // a producer that must wake it (and unparks it), or the reactor
     *   RUNNING, PARKING -> SHUTDOWN   // close(), interruption, or the reactor dying
     *
     * Wake-up protocol (no lost wake-up, batched)
     *   The reactor parks until `parkDeadline`: the wheel's next expiration, or earlier (below).
     *   A command needs the reactor before then only if it schedules a timer due before
     *   parkDeadline; cancels and later timers can wait for that wake-up. So:
     *   Producer of a timer due at D: offer(command); if D < minQueuedDeadline, CAS-lower it;
     *     fullFence; s = state; if s == PARKING and (D < parkDeadline or the producer index has
     *     reached wakeProducerIndex, i.e. WAKE_BACKLOG commands wait) and CAS(PARKING, RUNNING)
     *     wins: unpark(reactor).
     *   Producer of a cancel: the same with D = +infinity: it wakes the reactor only for backlog.
     *   Reactor: xchg(minQueuedDeadline, +infinity) before each drain; to park: write
     *     parkDeadline and wakeProducerIndex; CAS(RUNNING, PARKING) (a full fence); if
     *     minQueuedDeadline < parkDeadline or the backlog is reached, CAS back and loop; else park.
     *   Dekker's pattern on two pairs: either the producer sees PARKING (and parkDeadline, written
     *   before the CAS), or the reactor sees the producer's minQueuedDeadline (or its command was
     *   already drained, if the producer read minQueuedDeadline from before the reset). A storm
     *   of schedules while the reactor is awake costs no unpark; while it is parked, one unpark
     *   per WAKE_BACKLOG commands, or one per timer due earlier than everything else.
     *   parkDeadline may be earlier than the wheel's next expiration: it is also the earliest
     *   deadline of the timers that were cancelled before the reactor linked them during the
     *   last awake period. Parking until then is harmless (one spurious wake-up), and it keeps a
     *   storm of schedule-then-cancel (timeouts that never fire, all about the same delay ahead)
     *   from waking a reactor whose wheel is empty for every single command.
     *
     * Invariants
     *   The wheel, and `deadline` and the links of every handle in it, are touched by the
     *   reactor only.
     *   A cancel command is sent only for PENDING -> CANCELLED, so the queue holds at most one
     *   schedule command, one cancel command and one re-arm command per handle.
     *   The reactor never parks while the queue holds WAKE_BACKLOG commands, and a producer wakes
     *   a parked reactor at that size. So a cancelled timer leaves the wheel (and a timer
     *   cancelled while QUEUED leaves the queue) at the reactor's next wake-up, which comes no
     *   later than the earliest pending deadline, or sooner once WAKE_BACKLOG commands wait: a
     *   storm of schedule-then-cancel of 30 s timeouts holds about WAKE_BACKLOG dead handles
     *   (some 200 KB), not 30 s worth of them.
     *
     * Memory ordering
     *   The queue's offer (release) and poll (acquire) publish a handle's fields to the reactor.
     *   `state` and `minQueuedDeadline` are accessed as volatile (STATE, MIN_QUEUED_DEADLINE);
     *   `parkDeadline` and `wakeProducerIndex` are written with release before the CAS to
     *   PARKING and read with acquire after reading PARKING. The fences of the wake-up protocol
     *   are above.
     *
     * Shutdown
     *   close(): xchg state to SHUTDOWN, unpark, join (bounded, not when called by the reactor).
     *   Reactor, on seeing SHUTDOWN (or interruption, or a VirtualMachineError from a task): drain
     *   the wheel cancelling every timer, then drain the queue cancelling every handle, then exit.
     *   A producer whose command lands after that final drain sees SHUTDOWN after its fence and
     *   cancels its handle itself (and a schedule call then throws), so no handle is left PENDING.
     *
     * References
     *   Vyukov's MPSC queue as implemented by JCTools MpscUnboundedXaddArrayQueue; the parking
     *   protocol of Agrona's AgentRunner and of Tokio's park/unpark driver; Netty's
     *   HashedWheelTimer, whose worker takes new timeouts in batches once per tick.
     */

    /** The reactor is awake: producers need not wake it. */
    static final int RUNNING = 0;
    /** The reactor is about to park or parked until parkDeadline. */
    static final int PARKING = 1;
    /** Closed: schedule calls throw and the reactor exits. */
    static final int SHUTDOWN = 2;

    /** Commands taken per reactor loop before timers get their turn. */
    static final int COMMAND_LIMIT = 4096;
    /** Timers expired per reactor loop before commands get their turn. */
    static final int EXPIRY_LIMIT = 1024;
    /** Queued commands at which a parked reactor is woken even if none is urgent. */
    static final int WAKE_BACKLOG = 4096;
    /** How long close() waits for the timer thread. */
    static final long CLOSE_TIMEOUT_MILLIS = 10_000;
    static final String THREAD_NAME = "troupe-timer";

    /**
     * Chunks are not pooled: a pooled chunk ages into the old generation and every handle stored
     * into it then takes the slow path of G1's write barrier. In a schedule-then-cancel loop (the
     * pattern of TimerScheduleCancelBenchmark) pooling 8 chunks was 5-15% slower than allocating
     * fresh 4 KiB chunks.
     */
    private final MpscUnboundedXaddArrayQueue<TimerHandle> commands =
            new MpscUnboundedXaddArrayQueue<>(1024, 0);
    private final TimerWheel wheel;
    private final Thread thread;
    private volatile int state;
    /** The earliest deadline offered since the last drain began; via MIN_QUEUED_DEADLINE. */
    private long minQueuedDeadline = Long.MAX_VALUE;
    /** The deadline (nanoseconds from the origin) the reactor parks until; via PARK_DEADLINE. */
    private long parkDeadline;
    /** The producer index at which a parked reactor must be woken; via WAKE_PRODUCER_INDEX. */
    private long wakeProducerIndex;
    /** Reactor-only: the earliest deadline of timers dropped as cancelled since it last parked. */
    private long minDroppedDeadline = Long.MAX_VALUE;
    /** The wheel's size as of the reactor's last turn; via PENDING_COUNT, for diagnostics. */
    private int pendingCount;

    private ReactorScheduler(Clock clock, Executor taskExecutor, long tickNanos) {
        super(clock, taskExecutor, tickNanos);
        this.wheel = new TimerWheel(tickNanos);
        this.thread = new Thread(this::run, THREAD_NAME);
        this.thread.setDaemon(true);
    }

    /**
     * Creates a scheduler and starts its timer thread.
     *
     * @param clock a clock that advances with real time
     * @param taskExecutor runs the tasks, or {@code null} to run them on the timer thread
     * @param tickNanos the wheel's tick
     * @return the running scheduler
     */
    public static ReactorScheduler start(Clock clock, Executor taskExecutor, long tickNanos) {
        final ReactorScheduler scheduler = new ReactorScheduler(clock, taskExecutor, tickNanos);
        scheduler.thread.start();
        return scheduler;
    }

    @Override
    void checkOpen() {
        if (state == SHUTDOWN) {
            throw closedException();
        }
    }

    @Override
    TimerHandle submit(TimerHandle timer) {
        if (!offerCommand(timer, timer.deadline) && timer.cancelOnClose()) {
            throw closedException();
        }
        return timer;
    }

    @Override
    void onCancelled(TimerHandle timer) {
        if (Thread.currentThread() == thread) {
            if (timer.isLinked()) {
                wheel.remove(timer);
            }
        } else {
            offerCommand(timer, Long.MAX_VALUE);
        }
    }

    @Override
    void rearm(PeriodicTimerHandle timer) {
        if (Thread.currentThread() == thread) {
            if (state == SHUTDOWN) {
                timer.cancelOnClose();
            } else if (timer.lvState() == TimerHandle.PENDING) {
                wheel.add(timer);
            }
        } else if (!offerCommand(timer, timer.deadline)) {
            timer.cancelOnClose();
        }
    }

    /**
     * Publishes a command and wakes the reactor if it is parked and needs the command before it
     * would wake by itself.
     *
     * @param deadline when the command's timer is due, or {@link Long#MAX_VALUE} for a cancel
     * @return {@code false} if the scheduler is shut down (the command may never be taken)
     */
    private boolean offerCommand(TimerHandle timer, long deadline) {
        commands.offer(timer);
        if (deadline < (long) MIN_QUEUED_DEADLINE.getVolatile(this)) {
            lowerMinQueuedDeadline(deadline);
        }
        // Dekker: the command and minQueuedDeadline are published before we read the state;
        // pairs with the CAS to PARKING in park(). The offer's getAndAdd already is a full fence;
        // this one keeps the protocol independent of the queue's implementation (its cost was
        // within noise in a schedule-then-cancel loop).
        VarHandle.fullFence();
        final int state = this.state;
        if (state == PARKING) {
            wakeIfNeeded(deadline);
            return true;
        }
        return state != SHUTDOWN;
    }

    private void wakeIfNeeded(long deadline) {
        if ((deadline < (long) PARK_DEADLINE.getAcquire(this)
                || commands.currentProducerIndex() >= (long) WAKE_PRODUCER_INDEX.getAcquire(this))
                && STATE.compareAndSet(this, PARKING, RUNNING)) {
            LockSupport.unpark(thread);
        }
    }

    private void lowerMinQueuedDeadline(long deadline) {
        long current = (long) MIN_QUEUED_DEADLINE.getVolatile(this);
        while (deadline < current) {
            final long witness =
                    (long) MIN_QUEUED_DEADLINE.compareAndExchange(this, current, deadline);
            if (witness == current) {
                return;
            }
            current = witness;
        }
    }

    @Override
    public void close() {
        final int previous = (int) STATE.getAndSet(this, SHUTDOWN);
        if (previous != SHUTDOWN) {
            LockSupport.unpark(thread);
        }
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(CLOSE_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (thread.isAlive()) {
            LOGGER.log(Level.WARNING, "timer thread did not stop within " + CLOSE_TIMEOUT_MILLIS
                    + " ms of close(); a task on it may be blocked");
        }
    }

    /**
     * Returns the number of timers in the wheel as of the timer thread's last turn: commands still
     * in the queue are not counted. For tests and diagnostics; any thread.
     *
     * @return a recent count of the timers in the wheel
     */
    @Override
    public int pendingCount() {
        return (int) PENDING_COUNT.getAcquire(this);
    }

    /**
     * Returns the number of commands waiting for the timer thread. For tests and diagnostics.
     *
     * @return an estimate of the queued commands
     */
    public int queuedCommandCount() {
        return commands.size();
    }

    /** Tells whether the timer thread is alive; for tests and diagnostics. */
    public boolean isThreadAlive() {
        return thread.isAlive();
    }

    private void run() {
        try {
            while (state != SHUTDOWN) {
                MIN_QUEUED_DEADLINE.getAndSet(this, Long.MAX_VALUE);
                final int commandsTaken = drainCommands();
                if (state == SHUTDOWN) {
                    break;
                }
                final long nowTick = floorTick(nowNanos());
                final int expired = expire(nowTick);
                PENDING_COUNT.setRelease(this, wheel.size());
                if (commandsTaken < COMMAND_LIMIT && expired < EXPIRY_LIMIT) {
                    park(nowTick);
                }
            }
        } finally {
            shutdown();
        }
    }

    private int drainCommands() {
        int taken = 0;
        while (taken < COMMAND_LIMIT) {
            final TimerHandle timer = commands.poll();
            if (timer == null) {
                break;
            }
            taken++;
            apply(timer);
        }
        return taken;
    }

    private void apply(TimerHandle timer) {
        final int state = timer.lvState();
        if (state == TimerHandle.QUEUED) {
            if (timer.casState(TimerHandle.QUEUED, TimerHandle.PENDING)) {
                wheel.add(timer);
            } else {
                minDroppedDeadline = Math.min(minDroppedDeadline, timer.deadline);
            }
        } else if (state == TimerHandle.CANCELLED) {
            if (timer.isLinked()) {
                wheel.remove(timer);
            } else {
                minDroppedDeadline = Math.min(minDroppedDeadline, timer.deadline);
            }
        } else if (state == TimerHandle.PENDING && !timer.isLinked()) {
            wheel.add(timer);
        }
    }

    private int expire(long nowTick) {
        int expired = 0;
        while (expired < EXPIRY_LIMIT) {
            final TimerHandle timer = wheel.poll(nowTick);
            if (timer == null) {
                break;
            }
            expired++;
            fire(timer);
        }
        return expired;
    }

    private void park(long nowTick) {
        final long nextTick = wheel.nextExpirationTick();
        if (nextTick <= nowTick) {
            return;
        }
        final long nextExpiration =
                nextTick == Long.MAX_VALUE ? Long.MAX_VALUE : nextTick * tickNanos;
        final long parkDeadline = Math.min(nextExpiration, minDroppedDeadline);
        minDroppedDeadline = Long.MAX_VALUE;
        final long wakeProducerIndex = commands.currentConsumerIndex() + WAKE_BACKLOG;
        PARK_DEADLINE.setRelease(this, parkDeadline);
        WAKE_PRODUCER_INDEX.setRelease(this, wakeProducerIndex);
        if (!STATE.compareAndSet(this, RUNNING, PARKING)) {
            return;
        }
        // Dekker: the CAS above is a full fence; a producer that offered before it and saw
        // RUNNING has lowered minQueuedDeadline, or its command was in the drain
        if ((long) MIN_QUEUED_DEADLINE.getVolatile(this) < parkDeadline
                || commands.currentProducerIndex() >= wakeProducerIndex) {
            STATE.compareAndSet(this, PARKING, RUNNING);
            return;
        }
        if (parkDeadline == Long.MAX_VALUE) {
            LockSupport.park(this);
        } else {
            final long waitNanos = parkDeadline - nowNanos();
            if (waitNanos > 0) {
                LockSupport.parkNanos(this, waitNanos);
            }
        }
        STATE.compareAndSet(this, PARKING, RUNNING);
        if (Thread.interrupted()) {
            onInterrupted();
        }
    }

    // Rare branch kept out of park.
    private void onInterrupted() {
        LOGGER.log(Level.WARNING, "timer thread interrupted; closing the scheduler");
        STATE.setVolatile(this, SHUTDOWN);
    }

    private void shutdown() {
        STATE.setVolatile(this, SHUTDOWN);
        wheel.drain(TimerHandle::cancelOnClose);
        PENDING_COUNT.setRelease(this, 0);
        TimerHandle timer;
        while ((timer = commands.poll()) != null) {
            timer.cancelOnClose();
        }
    }

    @Override
    public String toString() {
        return "ReactorScheduler[clock=" + clock + ", tick=" + tickNanos + " ns, state="
                + new String[] {"RUNNING", "PARKING", "SHUTDOWN"}[state] + "]";
    }

    private static final VarHandle STATE;
    private static final VarHandle MIN_QUEUED_DEADLINE;
    private static final VarHandle PARK_DEADLINE;
    private static final VarHandle WAKE_PRODUCER_INDEX;
    private static final VarHandle PENDING_COUNT;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(ReactorScheduler.class, "state", int.class);
            MIN_QUEUED_DEADLINE =
                    lookup.findVarHandle(ReactorScheduler.class, "minQueuedDeadline", long.class);
            PARK_DEADLINE =
                    lookup.findVarHandle(ReactorScheduler.class, "parkDeadline", long.class);
            WAKE_PRODUCER_INDEX =
                    lookup.findVarHandle(ReactorScheduler.class, "wakeProducerIndex", long.class);
            PENDING_COUNT = lookup.findVarHandle(ReactorScheduler.class, "pendingCount", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
