package io.troupe.supervision;

import io.troupe.actors.Actor;
import io.troupe.actors.internal.FailurePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Wraps an actor factory with supervision: a strategy per exception type, applied by the
 * runtime when the actor's handler throws. The result is itself a factory: spawn it like any
 * other.
 *
 * <pre>{@code
 * ActorRef<Job> worker = context.spawn(
 *     Supervise.of(Worker::new)
 *         .onFailure(IllegalStateException.class, SupervisorStrategy.resume())
 *         .onFailure(Exception.class, SupervisorStrategy.restart().withLimit(3, Duration.ofSeconds(10))),
 *     "worker");
 * }</pre>
 *
 * <p>The first rule whose type matches the failure applies (list specific types first);
 * failures that match no rule stop the actor. {@link VirtualMachineError}s are never
 * supervised: they stop the actor and propagate. Immutable and thread safe; the restart
 * history is kept per actor, so one {@code Supervise} may create many actors.
 *
 * @param <M> the actor's message type
 */
public final class Supervise<M> implements Supplier<Actor<M>>, FailurePolicy.Carrier {
    private final Supplier<? extends Actor<M>> factory;
    private final List<Rule> rules;
    private final Policy policy = new Policy();

    private record Rule(Class<? extends Throwable> type, SupervisorStrategy strategy) {}

    private Supervise(Supplier<? extends Actor<M>> factory, List<Rule> rules) {
        this.factory = factory;
        this.rules = rules;
    }

    /**
     * Starts a supervised factory with no rules (every failure stops the actor).
     *
     * @param factory creates each instance
     * @param <M> the actor's message type
     * @return the supervised factory
     */
    public static <M> Supervise<M> of(Supplier<? extends Actor<M>> factory) {
        return new Supervise<>(Objects.requireNonNull(factory, "factory"), List.of());
    }

    /**
     * Adds a rule: failures that are instances of {@code type} get {@code strategy}.
     *
     * @param type the failures the rule applies to (subclasses included)
     * @param strategy what to do with them
     * @return this factory
     */
    public Supervise<M> onFailure(Class<? extends Throwable> type, SupervisorStrategy strategy) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(strategy, "strategy");
        final List<Rule> more = new ArrayList<>(rules);
        more.add(new Rule(type, strategy));
        return new Supervise<>(factory, List.copyOf(more));
    }

    /** Creates a fresh instance from the wrapped factory. */
    @Override
    public Actor<M> get() {
        return factory.get();
    }

    @Override
    public FailurePolicy failurePolicy() {
        return policy;
    }

    /** The strategy for {@code cause}, or {@code null} if no rule matches. */
    SupervisorStrategy strategyFor(Throwable cause) {
        for (Rule r : rules) {
            if (r.type().isInstance(cause)) {
                return r.strategy();
            }
        }
        return null;
    }

    private final class Policy implements FailurePolicy {
        @Override
        public Object newState() {
            return new RestartHistory();
        }

        @Override
        public Decision decide(Object state, Throwable cause, long nowNanos) {
            final SupervisorStrategy s = strategyFor(cause);
            if (s == null) {
                return Decision.of(Directive.STOP);
            }
            switch (s.directive()) {
                case RESUME:
                    return Decision.of(Directive.RESUME);
                case STOP:
                    return Decision.of(Directive.STOP);
                case ESCALATE:
                    return Decision.of(Directive.ESCALATE);
                default:
                    final long delay = ((RestartHistory) state).onRestartWanted(s, nowNanos);
                    if (delay < 0) {
                        return Decision.of(s.escalateWhenExhausted() ? Directive.ESCALATE : Directive.STOP);
                    }
                    return new Decision(Directive.RESTART, delay);
            }
        }
    }
}
