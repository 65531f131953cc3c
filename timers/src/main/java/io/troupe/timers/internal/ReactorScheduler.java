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
     *   The reactor loop: drain at most COMMAND_LIMIT commands, expire at most EXPIRY_LIMIT due
     *   timers (running them inline or handing them to the executor), then, if neither limit was
     *   hit and nothing is due, park until the next expiration or a wake-up.
     *   Code that runs on the reactor itself (an inline task cancelling or re-arming a timer)
     *   changes the wheel directly instead of sending a command.
     *
     * Lifecycle (state)
     *   RUNNING  -> PARKING   // reactor, before re-checking the queue and parking
     *   PARKING  -> RUNNING   // a producer that saw PARKING (then unparks), or the reactor on waking
     *   RUNNING, PARKING -> SHUTDOWN   // close(), interruption, or the reactor dying
     *
     * Wake-up protocol (no lost wake-up, batched)
     *   Producer: offer(command); fullFence; s = state; if s == PARKING and CAS(PARKING, RUNNING)
     *   wins, unpark(reactor). Reactor: CAS(RUNNING, PARKING) (a full fence); if the queue is not
     *   empty, CAS back and loop; else park. This is Dekker's pattern: either the producer sees
     *   PARKING, or the reactor sees the command. Only a producer that wins the CAS unparks, so a
     *   storm of schedules while the reactor is awake costs no unpark at all, and one unpark
     *   wakes it for the whole batch.
     *
     * Invariants
     *   The wheel, and `tick` and the links of every handle in it, are touched by the reactor only.
     *   A cancel command is sent only for PENDING -> CANCELLED, so the queue holds at most one
     *   schedule command, one cancel command and one re-arm command per handle.
     *   Cancelled timers leave the wheel when the reactor next drains its commands (a parked
     *   reactor is woken for them like for a schedule): memory does not wait for the deadline.
     *
     * Memory ordering
     *   The queue's offer (release) and poll (acquire) publish a handle's fields to the reactor.
     *   `state` is volatile and accessed through STATE; the fences of the wake-up protocol are above.
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
     *   protocol of Agrona's AgentRunner and of Tokio's park/unpark driver.
     */

    /** The reactor is awake: producers need not wake it. */
    static final int RUNNING = 0;
    /** The reactor is about to park or parked: the first producer to see this wakes it. */
    static final int PARKING = 1;
    /** Closed: schedule calls throw and the reactor exits. */
    static final int SHUTDOWN = 2;

    /** Commands taken per reactor loop before timers get their turn. */
    static final int COMMAND_LIMIT = 4096;
    /** Timers expired per reactor loop before commands get their turn. */
    static final int EXPIRY_LIMIT = 1024;
    /** How long close() waits for the timer thread. */
    static final long CLOSE_TIMEOUT_MILLIS = 10_000;
    static final String THREAD_NAME = "troupe-timer";

    private final MpscUnboundedXaddArrayQueue<TimerHandle> commands =
            new MpscUnboundedXaddArrayQueue<>(1024, 4);
    private final TimerWheel wheel;
    private final Thread thread;
    private volatile int state;

    private ReactorScheduler(Clock clock, Executor taskExecutor, long tickNanos) {
        super(clock, taskExecutor, tickNanos);
        this.wheel = new TimerWheel(maxTick);
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
        if (!offerCommand(timer) && timer.cancelOnClose()) {
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
            offerCommand(timer);
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
        } else if (!offerCommand(timer)) {
            timer.cancelOnClose();
        }
    }

    /**
     * Publishes a command and wakes the reactor if it is parking.
     *
     * @return {@code false} if the scheduler is shut down (the command may never be taken)
     */
    private boolean offerCommand(TimerHandle timer) {
        commands.offer(timer);
        // Dekker: the command is published before we read the state; pairs with the CAS in park()
        VarHandle.fullFence();
        final int state = this.state;
        if (state == PARKING) {
            if (STATE.compareAndSet(this, PARKING, RUNNING)) {
                LockSupport.unpark(thread);
            }
            return true;
        }
        return state != SHUTDOWN;
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

    /** Tells whether the timer thread is alive; for tests and diagnostics. */
    public boolean isThreadAlive() {
        return thread.isAlive();
    }

    private void run() {
        try {
            while (state != SHUTDOWN) {
                final int commandsTaken = drainCommands();
                if (state == SHUTDOWN) {
                    break;
                }
                final long nowTick = floorTick(nowNanos());
                final int expired = expire(nowTick);
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
            }
        } else if (state == TimerHandle.CANCELLED) {
            if (timer.isLinked()) {
                wheel.remove(timer);
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
        if (!STATE.compareAndSet(this, RUNNING, PARKING)) {
            return;
        }
        // Dekker: the CAS above is a full fence; a command offered before it is seen here
        if (!commands.isEmpty()) {
            STATE.compareAndSet(this, PARKING, RUNNING);
            return;
        }
        if (nextTick == Long.MAX_VALUE) {
            LockSupport.park(this);
        } else {
            final long waitNanos = nextTick * tickNanos - nowNanos();
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

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ReactorScheduler.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

}
