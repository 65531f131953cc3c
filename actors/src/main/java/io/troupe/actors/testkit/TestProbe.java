package io.troupe.actors.testkit;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.ChildFailed;
import io.troupe.actors.Signal;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.Terminated;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * A stand-in actor for tests: whatever is sent to {@link #ref()} can be awaited and checked
 * from the test thread. Failed expectations throw {@link AssertionError}, so the probe works
 * with any test framework.
 *
 * <p>The probe's actor runs on the system's dispatcher and hands messages to the test thread
 * through a blocking queue; the {@code expect} methods block only the calling (test) thread.
 *
 * @param <T> the type of message the probe accepts
 */
public final class TestProbe<T> {
    private static final AtomicLong IDS = new AtomicLong();

    private final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    private final ActorRef<Object> actor;

    private TestProbe(ActorSystem system, String name) {
        this.actor = system.spawnSystemActor(() -> new ProbeActor(messages, signals), SpawnOptions.named(name));
    }

    /**
     * Creates a probe with a generated name. Any thread.
     *
     * @param system the system the probe's actor runs in
     * @param <T> the message type
     * @return the probe
     */
    public static <T> TestProbe<T> create(ActorSystem system) {
        return create(system, "probe-" + IDS.incrementAndGet());
    }

    /**
     * Creates a probe with this name (unique among probes of the system). Any thread.
     *
     * @param system the system the probe's actor runs in
     * @param name the probe actor's name under {@code /system}
     * @param <T> the message type
     * @return the probe
     */
    public static <T> TestProbe<T> create(ActorSystem system, String name) {
        Objects.requireNonNull(system, "system");
        return new TestProbe<>(system, name);
    }

    /**
     * The probe's ref, to hand to the code under test.
     *
     * @return the ref
     */
    @SuppressWarnings("unchecked")
    public ActorRef<T> ref() {
        return (ActorRef<T>) (ActorRef<?>) actor;
    }

    /**
     * Waits up to {@code timeout} for the next message and returns it.
     *
     * @param timeout how long to wait
     * @return the message
     */
    @SuppressWarnings("unchecked")
    public T expectMessage(Duration timeout) {
        final Object m = poll(messages, timeout);
        if (m == null) {
            throw new AssertionError("no message received by " + actor.path() + " within " + timeout);
        }
        return (T) m;
    }

    /**
     * Waits for the next message and checks that it equals {@code expected}.
     *
     * @param expected the message expected
     * @param timeout how long to wait
     * @return the message
     */
    public T expectMessage(T expected, Duration timeout) {
        final T m = expectMessage(timeout);
        if (!Objects.equals(expected, m)) {
            throw new AssertionError("expected " + expected + " but " + actor.path() + " received " + m);
        }
        return m;
    }

    /**
     * Waits for the next message and checks that it is a {@code type}.
     *
     * @param type the class expected
     * @param timeout how long to wait
     * @param <U> the class
     * @return the message
     */
    public <U extends T> U expectMessageClass(Class<U> type, Duration timeout) {
        final T m = expectMessage(timeout);
        if (!type.isInstance(m)) {
            throw new AssertionError("expected a " + type.getName() + " but " + actor.path() + " received " + m);
        }
        return type.cast(m);
    }

    /**
     * Checks that no message arrives for {@code duration}. This one waits the whole duration:
     * use it for short, deliberate silences, not for synchronization. Test thread only.
     *
     * @param duration how long to listen
     * @throws AssertionError naming the message if one arrives
     */
    public void expectNoMessage(Duration duration) {
        final Object m = poll(messages, duration);
        if (m != null) {
            throw new AssertionError("expected no message but " + actor.path() + " received " + m);
        }
    }

    /**
     * Receives the next {@code n} messages, waiting up to {@code within} for all of them
     * together, and returns them in arrival order. Test thread only.
     *
     * @param n how many messages; not negative
     * @param within how long all of them may take
     * @return the messages, oldest first
     * @throws AssertionError listing those received if fewer than {@code n} arrive in time
     */
    @SuppressWarnings("unchecked")
    public List<T> receiveMessages(int n, Duration within) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative, was " + n);
        }
        final long deadline = System.nanoTime() + nanos(within);
        final List<T> got = new ArrayList<>(n);
        while (got.size() < n) {
            final Object m = poll(messages, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (m == null) {
                throw new AssertionError(actor.path() + " received " + got.size() + " of " + n + " messages within "
                        + within + ": " + got);
            }
            got.add((T) m);
        }
        return got;
    }

    /**
     * Receives messages until one satisfies {@code isTarget} and returns it; the messages
     * before it are discarded. All of it within {@code within}. Test thread only.
     *
     * @param within how long the fishing may take in total
     * @param isTarget true for the message sought
     * @return the first message for which {@code isTarget} is true
     * @throws AssertionError listing the discarded messages if none matches in time
     */
    @SuppressWarnings("unchecked")
    public T fishForMessage(Duration within, Predicate<? super T> isTarget) {
        Objects.requireNonNull(isTarget, "isTarget");
        final long deadline = System.nanoTime() + nanos(within);
        final List<Object> discarded = new ArrayList<>();
        for (;;) {
            final Object m = poll(messages, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (m == null) {
                throw new AssertionError("no matching message received by " + actor.path() + " within " + within
                        + "; discarded: " + discarded);
            }
            if (isTarget.test((T) m)) {
                return (T) m;
            }
            discarded.add(m);
        }
    }

    /**
     * Runs {@code assertion} until it stops throwing {@link AssertionError}, retrying every
     * few milliseconds, for at most {@code max}; then rethrows its last failure. For state that
     * no message announces (a counter, a gauge). Test thread only.
     *
     * @param assertion the check, e.g. a JUnit {@code assertEquals}
     * @param max how long to keep retrying
     * @throws AssertionError the assertion's last failure, if it never passed
     */
    public void awaitAssert(Runnable assertion, Duration max) {
        awaitAssertion(assertion, max);
    }

    /**
     * As {@link #awaitAssert(Runnable, Duration)}, without a probe.
     *
     * @param assertion the check
     * @param max how long to keep retrying
     * @throws AssertionError the assertion's last failure, if it never passed
     */
    public static void awaitAssertion(Runnable assertion, Duration max) {
        Objects.requireNonNull(assertion, "assertion");
        final long deadline = System.nanoTime() + nanos(max);
        long pauseNanos = 100_000;
        for (;;) {
            try {
                assertion.run();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw e;
                }
            }
            LockSupport.parkNanos(pauseNanos);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while awaiting an assertion");
            }
            pauseNanos = Math.min(pauseNanos * 2, 10_000_000);
        }
    }

    /**
     * Watches {@code ref}: its termination becomes a signal that {@link #expectTerminated} sees.
     *
     * @param ref the actor to watch
     */
    public void watch(ActorRef<?> ref) {
        actor.tell(new WatchCommand(Objects.requireNonNull(ref, "ref")));
    }

    /**
     * Watches {@code ref} and waits until it has terminated.
     *
     * @param ref the actor
     * @param timeout how long to wait
     * @return the {@link Terminated} signal
     */
    public Terminated expectTerminated(ActorRef<?> ref, Duration timeout) {
        watch(ref);
        final long deadline = System.nanoTime() + nanos(timeout);
        for (;;) {
            final Signal s = poll(signals, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (s == null) {
                throw new AssertionError(ref.path() + " did not terminate within " + timeout);
            }
            if (s instanceof Terminated t && t.ref() == ref) {
                return t;
            }
        }
    }

    /**
     * Waits for the next signal (a {@link Terminated} or {@link ChildFailed}).
     *
     * @param timeout how long to wait
     * @return the signal
     */
    public Signal expectSignal(Duration timeout) {
        final Signal s = poll(signals, timeout);
        if (s == null) {
            throw new AssertionError("no signal received by " + actor.path() + " within " + timeout);
        }
        return s;
    }

    /**
     * Messages received and not yet taken by an {@code expect} method.
     *
     * @return the number of messages waiting
     */
    public int pendingMessages() {
        return messages.size();
    }

    /** {@code d} in nanoseconds, saturated: a 1000-year wait does not overflow. */
    private static long nanos(Duration d) {
        Objects.requireNonNull(d, "duration");
        return d.getSeconds() >= Long.MAX_VALUE / 4_000_000_000L ? Long.MAX_VALUE / 4 : Math.max(0, d.toNanos());
    }

    private static <X> X poll(LinkedBlockingQueue<X> q, Duration timeout) {
        try {
            return q.poll(nanos(timeout), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }

    private record WatchCommand(ActorRef<?> ref) {}

    private static final class ProbeActor extends Actor<Object> {
        private final LinkedBlockingQueue<Object> messages;
        private final LinkedBlockingQueue<Signal> signals;

        ProbeActor(LinkedBlockingQueue<Object> messages, LinkedBlockingQueue<Signal> signals) {
            this.messages = messages;
            this.signals = signals;
        }

        @Override
        protected void receive(Object message) {
            if (message instanceof WatchCommand w) {
                context().watch(w.ref());
            } else {
                messages.add(message);
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            signals.add(signal);
        }
    }
}
