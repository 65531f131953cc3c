package io.troupe.supervision;

import io.troupe.actors.Actor;
import io.troupe.actors.SpawnOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How a {@link Supervisor} starts, restarts and stops one child: Erlang/OTP's child
 * specification. Immutable; each {@code withX} returns a copy. Thread safe.
 *
 * <pre>{@code
 * ChildSpec<Db.Msg> db = ChildSpec.of("db", Db::new)
 *     .withRestart(ChildSpec.RestartType.PERMANENT)      // the default
 *     .withShutdown(Duration.ofSeconds(2))               // the default is 5 s
 *     .withStopMessage(new Db.Flush());                  // ask politely first
 * }</pre>
 *
 * <p>Each incarnation of the child is spawned with the actor name {@code id + "-" + n}, where
 * {@code n} grows with every spawn of that supervisor: a restarted child is a new actor with a
 * new ref (like a new pid in OTP), so a ref taken before a restart points at dead letters.
 *
 * @param <M> the child's message type
 */
public final class ChildSpec<M> {
    /** When a child that terminated is started again (OTP's restart types). */
    public enum RestartType {
        /** Always restarted, whether it failed or stopped normally. */
        PERMANENT,
        /** Restarted only after a failure; a normal stop leaves it {@link Supervisor.ChildState#STOPPED}. */
        TRANSIENT,
        /** Never restarted; removed from the supervisor when it terminates, however it terminates. */
        TEMPORARY
    }

    /** OTP's default shutdown for workers. */
    private static final Duration DEFAULT_SHUTDOWN = Duration.ofSeconds(5);

    private final String id;
    private final Supplier<? extends Actor<M>> factory;
    private final RestartType restart;
    private final Duration shutdown;
    private final M stopMessage;
    private final SpawnOptions options;

    private ChildSpec(String id, Supplier<? extends Actor<M>> factory, RestartType restart, Duration shutdown,
                      M stopMessage, SpawnOptions options) {
        this.id = id;
        this.factory = factory;
        this.restart = restart;
        this.shutdown = shutdown;
        this.stopMessage = stopMessage;
        this.options = options;
    }

    /**
     * A permanent child with a 5 s shutdown deadline, the system's default mailbox and no stop
     * message.
     *
     * @param id unique among the supervisor's children; a valid actor name (letters, digits and
     *     {@code -_.~:@+=}, not starting with {@code $})
     * @param factory creates each incarnation; wrap it in {@link Supervise} to also handle
     *     failures in place (resume, or restart with the same ref)
     * @param <M> the child's message type
     * @return the specification, with restart PERMANENT and the default shutdown
     * @throws IllegalArgumentException if {@code id} is not a valid actor name
     */
    public static <M> ChildSpec<M> of(String id, Supplier<? extends Actor<M>> factory) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(factory, "factory");
        SpawnOptions.named(id); // validates, with a message that names the bad character
        return new ChildSpec<>(id, factory, RestartType.PERMANENT, DEFAULT_SHUTDOWN, null, SpawnOptions.defaults());
    }

    /**
     * A child that is itself a supervisor: stopped with {@link Supervisor.Shutdown} so that its
     * own children stop in order, and given as long as it needs (OTP's {@code infinity} for
     * supervisor children; each level bounds its own children by their deadlines).
     *
     * @param id unique among the supervisor's children; a valid actor name
     * @param factory creates the nested supervisor (from {@link Supervisor#builder})
     * @return the specification
     */
    public static ChildSpec<Supervisor.Command> ofSupervisor(String id, Supplier<? extends Actor<Supervisor.Command>> factory) {
        return of(id, factory).withStopMessage(new Supervisor.Shutdown()).withShutdown(Duration.ofSeconds(Long.MAX_VALUE));
    }

    /**
     * With this restart type.
     *
     * @param restart when the child is restarted
     * @return a copy with that restart type
     */
    public ChildSpec<M> withRestart(RestartType restart) {
        return new ChildSpec<>(id, factory, Objects.requireNonNull(restart, "restart"), shutdown, stopMessage, options);
    }

    /**
     * With this shutdown deadline: how long the supervisor waits for the child to terminate
     * after asking it to stop before it <em>forces</em> the stop and moves on (see
     * {@link Supervisor} for what forced means). Zero means do not wait at all (OTP's
     * {@code brutal_kill}, as near as a runtime that cannot kill a running handler gets). A
     * deadline too long to count in nanoseconds (about 292 years) means wait forever.
     *
     * @param shutdown how long the supervisor waits for the child to stop; zero does not wait
     * @return a copy with that deadline
     * @throws IllegalArgumentException if {@code shutdown} is negative
     */
    public ChildSpec<M> withShutdown(Duration shutdown) {
        Objects.requireNonNull(shutdown, "shutdown");
        if (shutdown.isNegative()) {
            throw new IllegalArgumentException("shutdown deadline must not be negative, was " + shutdown);
        }
        return new ChildSpec<>(id, factory, restart, shutdown, stopMessage, options);
    }

    /**
     * With a message that asks the child to stop itself: the supervisor sends it as an ordinary
     * message (so the child first handles what is already queued) instead of stopping the child
     * through the system lane; when the deadline passes, the stop is forced.
     *
     * @param stopMessage sent to the child before it is stopped
     * @return a copy with that message
     */
    public ChildSpec<M> withStopMessage(M stopMessage) {
        return new ChildSpec<>(id, factory, restart, shutdown, Objects.requireNonNull(stopMessage, "stopMessage"), options);
    }

    /**
     * With these spawn options (mailbox, dispatcher). Their name is ignored: each incarnation
     * is named after the id.
     *
     * @param options the child's mailbox, dispatcher and throughput
     * @return a copy with those options
     */
    public ChildSpec<M> withSpawnOptions(SpawnOptions options) {
        return new ChildSpec<>(id, factory, restart, shutdown, stopMessage, Objects.requireNonNull(options, "options"));
    }

    /**
     * The child's id.
     *
     * @return the id
     */
    public String id() {
        return id;
    }

    /**
     * The factory of each incarnation.
     *
     * @return the factory
     */
    public Supplier<? extends Actor<M>> factory() {
        return factory;
    }

    /**
     * The restart type.
     *
     * @return the restart type
     */
    public RestartType restart() {
        return restart;
    }

    /**
     * The shutdown deadline.
     *
     * @return the shutdown deadline
     */
    public Duration shutdown() {
        return shutdown;
    }

    /**
     * The spawn options (the name is replaced at each spawn).
     *
     * @return the spawn options
     */
    public SpawnOptions spawnOptions() {
        return options;
    }

    /** The stop message, or {@code null} if the child is stopped through the system lane. */
    M stopMessage() {
        return stopMessage;
    }

    /** The shutdown deadline in nanoseconds, or -1 for "wait forever". */
    long shutdownNanos() {
        try {
            return shutdown.toNanos();
        } catch (ArithmeticException tooLong) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return "ChildSpec[" + id + ", " + restart + ", shutdown " + shutdown
                + (stopMessage == null ? "" : ", stop message " + stopMessage) + "]";
    }
}
