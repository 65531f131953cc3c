package io.troupe.actors.testkit;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.ChildFailed;
import io.troupe.actors.Signal;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.Terminated;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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

    /** Creates a probe with a generated name. Any thread. */
    public static <T> TestProbe<T> create(ActorSystem system) {
        return create(system, "probe-" + IDS.incrementAndGet());
    }

    /** Creates a probe with this name (unique among probes of the system). Any thread. */
    public static <T> TestProbe<T> create(ActorSystem system, String name) {
        Objects.requireNonNull(system, "system");
        return new TestProbe<>(system, name);
    }

    /** The probe's ref, to hand to the code under test. */
    @SuppressWarnings("unchecked")
    public ActorRef<T> ref() {
        return (ActorRef<T>) (ActorRef<?>) actor;
    }

    /** Waits up to {@code timeout} for the next message and returns it. */
    @SuppressWarnings("unchecked")
    public T expectMessage(Duration timeout) {
        final Object m = poll(messages, timeout);
        if (m == null) {
            throw new AssertionError("no message received by " + actor.path() + " within " + timeout);
        }
        return (T) m;
    }

    /** Waits for the next message and checks that it equals {@code expected}. */
    public T expectMessage(T expected, Duration timeout) {
        final T m = expectMessage(timeout);
        if (!Objects.equals(expected, m)) {
            throw new AssertionError("expected " + expected + " but " + actor.path() + " received " + m);
        }
        return m;
    }

    /** Waits for the next message and checks that it is a {@code type}. */
    public <U extends T> U expectMessageClass(Class<U> type, Duration timeout) {
        final T m = expectMessage(timeout);
        if (!type.isInstance(m)) {
            throw new AssertionError("expected a " + type.getName() + " but " + actor.path() + " received " + m);
        }
        return type.cast(m);
    }

    /**
     * Checks that no message arrives for {@code duration}. This one waits the whole duration:
     * use it for short, deliberate silences, not for synchronization.
     */
    public void expectNoMessage(Duration duration) {
        final Object m = poll(messages, duration);
        if (m != null) {
            throw new AssertionError("expected no message but " + actor.path() + " received " + m);
        }
    }

    /** Watches {@code ref}: its termination becomes a signal that {@link #expectTerminated} sees. */
    public void watch(ActorRef<?> ref) {
        actor.tell(new WatchCommand(Objects.requireNonNull(ref, "ref")));
    }

    /**
     * Watches {@code ref} and waits until it has terminated.
     *
     * @return the {@link Terminated} signal
     */
    public Terminated expectTerminated(ActorRef<?> ref, Duration timeout) {
        watch(ref);
        final long deadline = System.nanoTime() + timeout.toNanos();
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

    /** Waits for the next signal (a {@link Terminated} or {@link ChildFailed}). */
    public Signal expectSignal(Duration timeout) {
        final Signal s = poll(signals, timeout);
        if (s == null) {
            throw new AssertionError("no signal received by " + actor.path() + " within " + timeout);
        }
        return s;
    }

    /** Messages received and not yet taken by an {@code expect} method. */
    public int pendingMessages() {
        return messages.size();
    }

    private static <X> X poll(LinkedBlockingQueue<X> q, Duration timeout) {
        try {
            return q.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
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
