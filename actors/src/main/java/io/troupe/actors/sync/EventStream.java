package io.troupe.actors.sync;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.internal.LifecycleListener;
import io.troupe.actors.internal.SystemAccess;
import java.util.function.Function;

/**
 * The lifecycle events of an actor system, as a {@link Topic} of {@link SystemEvent}s: actors
 * stopped, failed, restarted, and dead letters. Subscribers get the same guarantees and the same
 * lag rule as a topic's: events in order, or one {@link Topic.Lagged} with the exact count of
 * those missed when a subscriber fell more than {@link #BOUND} events behind. One per system,
 * started on first use; events before that are not kept. Any thread.
 *
 * <p>Cost: nothing for a system without an event stream; with one, an actor's stop or restart
 * and a dead letter cost a volatile read when nobody subscribes, and a topic publish (a small
 * object, a short lock, one offer per subscriber) when someone does. The events are published
 * on the thread where they happen (the stopping actor's, the sender of a dead letter).
 */
public final class EventStream {
    /*
     * Threading protocol: the runtime calls the installed LifecycleListener on the stopping or
     * restarting actor's thread, and DeadLetters calls its subscriber on the thread that failed
     * to deliver; both publish into the topic (any thread may). Subscribing goes to the topic.
     * Invariants: the same as Topic's, per subscriber.
     * Shutdown: the listener stays installed until the system is collected; after close() no
     * actor stops any more, so nothing more is published.
     * References: Pekko's EventStream (lifecycle and dead-letter events to subscribers).
     */

    /** How many events the stream keeps for subscribers that fall behind. */
    public static final int BOUND = 4096;

    private final Topic<SystemEvent> topic;

    private EventStream(ActorSystem system) {
        this.topic = Topic.create(system, SystemEvent.class, BOUND);
        SystemAccess.installLifecycleListener(system, new LifecycleListener() {
            @Override
            public void onStopped(ActorRef<?> ref, Throwable failure) {
                if (topic.subscriberCount() != 0) {
                    topic.publish(failure == null ? new SystemEvent.ActorStopped(ref) : new SystemEvent.ActorFailed(ref, failure));
                }
            }

            @Override
            public void onRestarting(ActorRef<?> ref, Throwable cause) {
                if (topic.subscriberCount() != 0) {
                    topic.publish(new SystemEvent.ActorRestarted(ref, cause));
                }
            }
        });
        system.deadLetters().subscribe((DeadLetter letter) -> {
            if (topic.subscriberCount() != 0) {
                topic.publish(new SystemEvent.DeadLettered(letter));
            }
        });
    }

    /**
     * The event stream of {@code system}, started on first use. Any thread.
     *
     * @param system the actor system
     * @return the system's event stream
     */
    public static EventStream of(ActorSystem system) {
        final SyncSupport support = SyncSupport.of(system);
        return (EventStream) support.named("event-stream", k -> new EventStream(system));
    }

    /**
     * Subscribes {@code subscriber} to the events from now on; see
     * {@link Topic#subscribe(ActorRef, Function, Function)} for the mapping functions, the lag rule
     * and the cost. The subscription ends when the actor stops.
     *
     * @param <M> the subscriber's protocol
     * @param subscriber the actor that receives the events
     * @param onEvent turns an event into the subscriber's message
     * @param onLagged turns a lag notice into the subscriber's message
     * @return the subscription
     */
    public <M> Subscription subscribe(ActorRef<M> subscriber, Function<? super SystemEvent, ? extends M> onEvent,
                                      Function<? super Topic.Lagged, ? extends M> onLagged) {
        return topic.subscribe(subscriber, onEvent, onLagged);
    }

    /**
     * How many events have been published to subscribers. Any thread.
     *
     * @return the number of events published
     */
    public long published() {
        return topic.published();
    }
}
