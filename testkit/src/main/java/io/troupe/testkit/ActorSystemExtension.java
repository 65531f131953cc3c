package io.troupe.testkit;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.internal.SystemAccess;
import io.troupe.timers.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that gives each test its own {@link ActorSystem} and closes it after the
 * test, failing the test if it left actors running under {@code /user}, if dead letters
 * appeared that the test did not declare, or if actors did not stop on close.
 *
 * <p>Plain use, the system injected as a parameter:
 *
 * <pre>{@code
 * @ExtendWith(ActorSystemExtension.class)
 * class CounterTest {
 *     @Test
 *     void counts(ActorSystem system) { ... system.stop(counter); }
 * }
 * }</pre>
 *
 * <p>Configured, registered on a static field (a {@link ManualClock}, allowed dead letters,
 * builder settings); the test reaches the system and the clock as parameters or through
 * {@link #system()} and {@link #clock()}:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ActorSystemExtension troupe = ActorSystemExtension.create()
 *         .withManualClock()
 *         .allowDeadLetters(d -> d.reason() == DeadLetter.Reason.RECIPIENT_STOPPED);
 * }</pre>
 *
 * <p>The checks after each test, all reported together: (1) dead letters published during the
 * test that the {@link #allowDeadLetters} predicate does not accept; (2) top-level user actors
 * still running (unless {@link #allowLeftoverActors()}), after a grace period for stops the test
 * requested just before it ended; (3) actors that {@code close} could not stop. A system whose
 * test failed is closed too, without adding failures. Settings are immutable; each
 * {@code withX} returns a copy. The callbacks run on JUnit's threads; {@link #system()} and
 * {@link #clock()} are for tests of one class running one at a time (with parallel execution,
 * take the parameters instead).
 */
public final class ActorSystemExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
    /*
     * Threading protocol: JUnit calls beforeEach, the test, afterEach in sequence for one test
     * (possibly on different threads, e.g. with SEPARATE_THREAD timeouts); the per-test state
     * lives in the test's ExtensionContext.Store, and `current` (volatile) serves the accessor
     * methods. Dead letters arrive on any thread into a concurrent queue.
     * Invariants: every system created in beforeEach is closed in afterEach.
     * References: Pekko's ActorTestKit (shutdown with verification), JUnit's ExtensionContext.Store.
     */
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ActorSystemExtension.class);
    private static final AtomicInteger SYSTEMS = new AtomicInteger();
    private static final Duration LEFTOVER_GRACE = Duration.ofSeconds(5);

    private final boolean manualClock;
    private final Predicate<? super DeadLetter> allowedDeadLetters;
    private final boolean allowLeftoverActors;
    private final UnaryOperator<ActorSystem.Builder> settings;
    private final Duration closeTimeout;
    private volatile State current;

    /** The defaults: system clock, no dead letters allowed, no leftover actors allowed. For {@code @ExtendWith}. */
    public ActorSystemExtension() {
        this(false, d -> false, false, UnaryOperator.identity(), Duration.ofSeconds(10));
    }

    private ActorSystemExtension(boolean manualClock, Predicate<? super DeadLetter> allowedDeadLetters, boolean allowLeftoverActors,
                                 UnaryOperator<ActorSystem.Builder> settings, Duration closeTimeout) {
        this.manualClock = manualClock;
        this.allowedDeadLetters = allowedDeadLetters;
        this.allowLeftoverActors = allowLeftoverActors;
        this.settings = settings;
        this.closeTimeout = closeTimeout;
    }

    /**
     * The extension with the defaults, to configure and register with {@code @RegisterExtension}.
     *
     * @return a new extension
     */
    public static ActorSystemExtension create() {
        return new ActorSystemExtension();
    }

    /**
     * With each system on a fresh {@link ManualClock}: timers, receive timeouts and ask
     * timeouts fire only when the test advances it.
     *
     * @return a copy with a manual clock
     */
    public ActorSystemExtension withManualClock() {
        return new ActorSystemExtension(true, allowedDeadLetters, allowLeftoverActors, settings, closeTimeout);
    }

    /**
     * With dead letters that {@code allowed} accepts not failing the test (others still do).
     *
     * @param allowed true for an expected dead letter; called on the thread that produced it
     * @return a copy
     */
    public ActorSystemExtension allowDeadLetters(Predicate<? super DeadLetter> allowed) {
        Objects.requireNonNull(allowed, "allowed");
        return new ActorSystemExtension(manualClock, allowed, allowLeftoverActors, settings, closeTimeout);
    }

    /**
     * With top-level actors still running at the end of a test not failing it (close stops them).
     *
     * @return a copy
     */
    public ActorSystemExtension allowLeftoverActors() {
        return new ActorSystemExtension(manualClock, allowedDeadLetters, true, settings, closeTimeout);
    }

    /**
     * With further settings applied to each system's builder (parallelism, mailbox, ...),
     * after the extension's own (a unique name, the clock).
     *
     * @param configure changes the builder and returns it
     * @return a copy
     */
    public ActorSystemExtension configure(UnaryOperator<ActorSystem.Builder> configure) {
        Objects.requireNonNull(configure, "configure");
        return new ActorSystemExtension(manualClock, allowedDeadLetters, allowLeftoverActors,
                b -> configure.apply(settings.apply(b)), closeTimeout);
    }

    /**
     * With this bound on closing each system (default 10 seconds).
     *
     * @param timeout how long close may take
     * @return a copy
     */
    public ActorSystemExtension withCloseTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("close timeout must be positive, was " + timeout);
        }
        return new ActorSystemExtension(manualClock, allowedDeadLetters, allowLeftoverActors, settings, timeout);
    }

    /**
     * The running test's system.
     *
     * @return the system
     * @throws IllegalStateException outside a test
     */
    public ActorSystem system() {
        return state().system;
    }

    /**
     * The running test's manual clock.
     *
     * @return the clock
     * @throws IllegalStateException outside a test, or without {@link #withManualClock()}
     */
    public ManualClock clock() {
        final ManualClock c = state().clock;
        if (c == null) {
            throw new IllegalStateException("this extension runs systems on the system clock; use withManualClock()");
        }
        return c;
    }

    private State state() {
        final State s = current;
        if (s == null) {
            throw new IllegalStateException("no test is running with this extension");
        }
        return s;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        final ManualClock clock = manualClock ? new ManualClock() : null;
        ActorSystem.Builder b = ActorSystem.builder("test-" + SYSTEMS.incrementAndGet());
        if (clock != null) {
            b = b.clock(clock);
        }
        final ActorSystem system = settings.apply(b).build();
        final State s = new State(system, clock);
        s.subscription = system.deadLetters().subscribe(d -> {
            if (!allowedDeadLetters.test(d)) {
                s.unexpected.add(d);
            }
        });
        context.getStore(NAMESPACE).put(State.class, s);
        current = s;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        final State s = context.getStore(NAMESPACE).remove(State.class, State.class);
        if (s == null) {
            return;
        }
        if (current == s) {
            current = null;
        }
        final boolean testFailed = context.getExecutionException().isPresent();
        final List<String> problems = new ArrayList<>();
        try {
            if (!testFailed && !allowLeftoverActors) {
                final List<String> left = awaitNoUserActors(s.system);
                if (!left.isEmpty()) {
                    problems.add("actors left running (stop them in the test, or allowLeftoverActors()): " + left);
                }
            }
        } finally {
            s.subscription.close();
            final List<DeadLetter> dead = new ArrayList<>(s.unexpected);
            if (!testFailed && !dead.isEmpty()) {
                problems.add(dead.size() + " unexpected dead letter(s) (declare them with allowDeadLetters): " + describe(dead));
            }
            final List<String> stuck = s.system.close(closeTimeout);
            if (!testFailed && !stuck.isEmpty()) {
                problems.add("actors did not stop within " + closeTimeout + " on close: " + stuck);
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("actor system " + s.system.name() + " after the test: " + String.join("; ", problems));
        }
    }

    /** Waits (bounded) for top-level actors that are stopping; returns those still running. */
    private static List<String> awaitNoUserActors(ActorSystem system) {
        final long deadline = System.nanoTime() + LEFTOVER_GRACE.toNanos();
        long pauseNanos = 100_000;
        for (;;) {
            final List<String> left = SystemAccess.livingUserActors(system);
            if (left.isEmpty() || System.nanoTime() - deadline >= 0) {
                return left;
            }
            LockSupport.parkNanos(pauseNanos);
            pauseNanos = Math.min(pauseNanos * 2, 50_000_000);
        }
    }

    private static String describe(List<DeadLetter> dead) {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dead.size() && i < 10; i++) {
            final DeadLetter d = dead.get(i);
            sb.append(i == 0 ? "" : ", ").append(d.message().getClass().getSimpleName()).append(" to ")
                    .append(d.recipient() == null ? "?" : d.recipient().path()).append(" (").append(d.reason()).append(')');
        }
        if (dead.size() > 10) {
            sb.append(", ...");
        }
        return sb.toString();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        final Class<?> type = parameter.getParameter().getType();
        return type == ActorSystem.class || (type == ManualClock.class && manualClock);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        final State s = context.getStore(NAMESPACE).get(State.class, State.class);
        if (s == null) {
            throw new IllegalStateException("ActorSystemExtension provides parameters to test methods only, not to "
                    + parameter.getDeclaringExecutable());
        }
        return parameter.getParameter().getType() == ManualClock.class ? s.clock : s.system;
    }

    /** One test's system. */
    private static final class State {
        final ActorSystem system;
        final ManualClock clock;
        final ConcurrentLinkedQueue<DeadLetter> unexpected = new ConcurrentLinkedQueue<>();
        AutoCloseable subscription;

        State(ActorSystem system, ManualClock clock) {
            this.system = system;
            this.clock = clock;
        }
    }
}
