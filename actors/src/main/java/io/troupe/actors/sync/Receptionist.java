package io.troupe.actors.sync;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.Signal;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.Terminated;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds actors by service: actors register under a {@link ServiceKey}, others look the key up
 * or subscribe to the changes of its set (Pekko's receptionist, in a single system for now).
 * One per {@link ActorSystem}, an actor under {@code /system}; every method may be called from
 * any thread and only sends it a message, so effects are asynchronous but in the order called
 * from one thread.
 *
 * <p>A registered actor is deregistered when it stops; a subscriber is dropped when it stops
 * (one that had already stopped when it subscribed is dropped at once: its first
 * {@link Listing} goes to dead letters, and nothing more is sent to it). An id belongs to the
 * first type used with it: using it with another type is refused at once, naming both types.
 *
 * <pre>{@code
 * static final ServiceKey<Room.Msg> ROOMS = ServiceKey.of("rooms", Room.Msg.class);
 * Receptionist.of(system).register(ROOMS, roomRef);
 * Receptionist.of(system).subscribe(ROOMS, self(), listing -> new RoomsChanged(listing.services()));
 * }</pre>
 */
public final class Receptionist {
    /*
     * Threading protocol: the facade checks key types (a concurrent map, any thread) and tells
     * the receptionist actor, which owns the registry and the subscribers on its own thread.
     * Invariants: a listing sent to subscribers is the registry's state after the change it
     * reports, in the order of changes; every registered actor and every subscriber is watched
     * while it is in the registry, so a stop removes it exactly once.
     * Shutdown: the actor stops with /system when the system closes.
     * References: Pekko's typed Receptionist (ServiceKey, Listing, Subscribe).
     */

    /**
     * The actors registered under a key, in registration order.
     *
     * @param key the key
     * @param services the registered actors (an unmodifiable set)
     * @param <T> their message type
     */
    public record Listing<T>(ServiceKey<T> key, Set<ActorRef<T>> services) {}

    private final ActorRef<Command> actor;
    private final ConcurrentHashMap<String, Class<?>> types = new ConcurrentHashMap<>();

    private Receptionist(SyncSupport support) {
        this.actor = support.system().spawnSystemActor(Registry::new, SpawnOptions.named("troupe-receptionist"));
    }

    /**
     * The receptionist of {@code system}, started on first use. Any thread.
     *
     * @param system the actor system
     * @return the system's receptionist
     */
    public static Receptionist of(ActorSystem system) {
        final SyncSupport support = SyncSupport.of(system);
        return (Receptionist) support.named("receptionist", k -> new Receptionist(support));
    }

    /**
     * Registers {@code service} under {@code key}; registering twice is the same as once.
     *
     * @param <T> the service's message type
     * @param key the key to register under
     * @param service the actor to register
     * @throws IllegalArgumentException if the key's id is used with another type
     */
    public <T> void register(ServiceKey<T> key, ActorRef<T> service) {
        checkType(key);
        actor.tell(new Register(key, Objects.requireNonNull(service, "service")));
    }

    /**
     * Removes {@code service} from {@code key}; nothing happens if it was not registered.
     *
     * @param <T> the service's message type
     * @param key the key it was registered under
     * @param service the actor to remove
     */
    public <T> void deregister(ServiceKey<T> key, ActorRef<T> service) {
        checkType(key);
        actor.tell(new Deregister(key, Objects.requireNonNull(service, "service")));
    }

    /**
     * Sends the current listing of {@code key} to {@code replyTo}.
     *
     * @param <T> the services' message type
     * @param key the key to look up
     * @param replyTo who gets the listing
     */
    public <T> void find(ServiceKey<T> key, ActorRef<? super Listing<T>> replyTo) {
        checkType(key);
        actor.tell(new Find(key, Objects.requireNonNull(replyTo, "replyTo")));
    }

    /**
     * The current listing of {@code key}, by ask. The stage fails if no answer comes within {@code timeout}.
     *
     * @param <T> the services' message type
     * @param key the key to look up
     * @param timeout how long to wait for the answer
     * @return completes with the listing
     */
    public <T> CompletionStage<Listing<T>> find(ServiceKey<T> key, Duration timeout) {
        checkType(key);
        return actor.ask(replyTo -> new Find(key, replyTo), timeout);
    }

    /**
     * Sends {@code subscriber} the listing of {@code key} now and after every change, until it
     * stops. {@code adapt} turns a listing into the subscriber's message.
     *
     * @param <T> the services' message type
     * @param <M> the subscriber's protocol
     * @param key the key to watch
     * @param subscriber the actor that receives the listings
     * @param adapt turns a listing into the subscriber's message
     */
    public <T, M> void subscribe(ServiceKey<T> key, ActorRef<M> subscriber,
                                 java.util.function.Function<? super Listing<T>, ? extends M> adapt) {
        checkType(key);
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(adapt, "adapt");
        actor.tell(new Subscribe(key, subscriber, adapt));
    }

    /**
     * Stops sending listings of {@code key} to {@code subscriber}.
     *
     * @param key the key watched
     * @param subscriber the actor to stop sending to
     */
    public void unsubscribe(ServiceKey<?> key, ActorRef<?> subscriber) {
        checkType(key);
        actor.tell(new Unsubscribe(key, Objects.requireNonNull(subscriber, "subscriber")));
    }

    private void checkType(ServiceKey<?> key) {
        Objects.requireNonNull(key, "key");
        final Class<?> known = types.putIfAbsent(key.id(), key.type());
        if (known != null && known != key.type()) {
            throw new IllegalArgumentException("service key '" + key.id() + "' is used with type " + known.getName()
                    + "; it cannot be used with " + key.type().getName() + " (choose another id)");
        }
    }

    private sealed interface Command {}

    private record Register(ServiceKey<?> key, ActorRef<?> service) implements Command {}

    private record Deregister(ServiceKey<?> key, ActorRef<?> service) implements Command {}

    private record Find(ServiceKey<?> key, ActorRef<?> replyTo) implements Command {}

    private record Subscribe(ServiceKey<?> key, ActorRef<?> subscriber, java.util.function.Function<?, ?> adapt)
            implements Command {}

    private record Unsubscribe(ServiceKey<?> key, ActorRef<?> subscriber) implements Command {}

    /** The registry; an actor, so not thread safe. */
    private static final class Registry extends Actor<Command> {
        private final Map<ServiceKey<?>, Set<ActorRef<?>>> services = new HashMap<>();
        private final Map<ServiceKey<?>, Map<ActorRef<?>, java.util.function.Function<?, ?>>> subscribers = new HashMap<>();
        /** For each watched actor, the keys it is registered or subscribed under. */
        private final Map<ActorRef<?>, Set<ServiceKey<?>>> watched = new HashMap<>();

        @Override
        protected void receive(Command c) {
            if (c instanceof Register r) {
                if (watch(r.service(), r.key()) && services.computeIfAbsent(r.key(), k -> new LinkedHashSet<>()).add(r.service())) {
                    publish(r.key());
                }
            } else if (c instanceof Deregister d) {
                final Set<ActorRef<?>> set = services.get(d.key());
                if (set != null && set.remove(d.service())) {
                    unwatchIfUnused(d.service(), d.key());
                    publish(d.key());
                }
            } else if (c instanceof Find f) {
                tell(f.replyTo(), listing(f.key()));
            } else if (c instanceof Subscribe s) {
                if (watch(s.subscriber(), s.key())) {
                    subscribers.computeIfAbsent(s.key(), k -> new java.util.LinkedHashMap<>()).put(s.subscriber(), s.adapt());
                    tell(s.subscriber(), adapt(s.adapt(), listing(s.key())));
                }
            } else if (c instanceof Unsubscribe u) {
                final Map<ActorRef<?>, ?> subs = subscribers.get(u.key());
                if (subs != null && subs.remove(u.subscriber()) != null) {
                    unwatchIfUnused(u.subscriber(), u.key());
                }
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof Terminated t) {
                final Set<ServiceKey<?>> keys = watched.remove(t.ref());
                if (keys == null) {
                    return;
                }
                for (ServiceKey<?> key : keys) {
                    final Map<ActorRef<?>, ?> subs = subscribers.get(key);
                    if (subs != null) {
                        subs.remove(t.ref());
                    }
                    final Set<ActorRef<?>> set = services.get(key);
                    if (set != null && set.remove(t.ref())) {
                        publish(key);
                    }
                }
            }
        }

        /** Watches {@code ref} for {@code key}; false (logged) if it is not an actor that can be watched. */
        private boolean watch(ActorRef<?> ref, ServiceKey<?> key) {
            Set<ServiceKey<?>> keys = watched.get(ref);
            if (keys == null) {
                try {
                    context().watch(ref); // a stopped actor: Terminated comes at once and removes it
                } catch (IllegalArgumentException e) {
                    context().log().log(System.Logger.Level.WARNING, "receptionist: " + ref + " ignored for " + key
                            + ": " + e.getMessage());
                    return false;
                }
                keys = new HashSet<>(2);
                watched.put(ref, keys);
            }
            keys.add(key);
            return true;
        }

        private void unwatchIfUnused(ActorRef<?> ref, ServiceKey<?> key) {
            final Set<ActorRef<?>> set = services.get(key);
            final Map<ActorRef<?>, ?> subs = subscribers.get(key);
            if ((set != null && set.contains(ref)) || (subs != null && subs.containsKey(ref))) {
                return; // still used under this key (registered and subscribed)
            }
            final Set<ServiceKey<?>> keys = watched.get(ref);
            if (keys != null && keys.remove(key) && keys.isEmpty()) {
                watched.remove(ref);
                context().unwatch(ref);
            }
        }

        private void publish(ServiceKey<?> key) {
            final Map<ActorRef<?>, java.util.function.Function<?, ?>> subs = subscribers.get(key);
            if (subs == null || subs.isEmpty()) {
                return;
            }
            final Listing<?> listing = listing(key);
            for (Map.Entry<ActorRef<?>, java.util.function.Function<?, ?>> e : subs.entrySet()) {
                tell(e.getKey(), adapt(e.getValue(), listing));
            }
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private Listing<?> listing(ServiceKey<?> key) {
            final Set<ActorRef<?>> set = services.get(key);
            final Set s = set == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(set));
            return new Listing(key, s);
        }

        /** The subscriber's message for {@code listing}, or null (logged) if its function threw: the registry goes on. */
        @SuppressWarnings({"unchecked", "rawtypes"})
        private Object adapt(java.util.function.Function f, Listing<?> listing) {
            try {
                return f.apply(listing);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                context().log().log(System.Logger.Level.WARNING, "receptionist: a subscriber's listing function threw", t);
                return null;
            }
        }

        @SuppressWarnings("unchecked")
        private static void tell(ActorRef<?> to, Object message) {
            if (message != null) {
                ((ActorRef<Object>) to).tell(message);
            }
        }
    }
}
