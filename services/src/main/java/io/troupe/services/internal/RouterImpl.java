package io.troupe.services.internal;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorContext;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.ActorTerminatedException;
import io.troupe.actors.ChildFailed;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.Signal;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.Terminated;
import io.troupe.mailbox.BoundedMailbox;
import io.troupe.mailbox.MailboxClosedException;
import io.troupe.services.Router;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A router: a routing ref that picks a member on the sending thread, and a manager actor that
 * owns the membership. Not exported: the API is {@link Router} and {@code Routers}, whose
 * {@code pool} and {@code group} make one. Thread safe.
 */
public final class RouterImpl<M> implements Router<M> {
    /*
     * Threading protocol. Any thread sends through `routingRef`: it reads the immutable
     * RouteTable from the volatile `table` once and sends to the member it selects. Only the
     * manager actor writes `table` (on its own thread: start, resize, add/remove, a member's
     * Terminated), so membership changes are serialised without a lock.
     * Invariants. `table.members` are the members the manager knows to be alive (or not yet known
     * stopped); a message to a member that stopped in between goes to dead letters as any
     * message to a stopped actor. A message with no member goes to dead letters, published by
     * the routing ref with the router's manager as recipient.
     * Memory ordering. The volatile `table`: a sender sees a fully built table.
     * Shutdown. Stopping the manager stops a pool's members (its children); a group's members
     * are not stopped. After the manager stops, `table` is empty.
     * References. Pekko's RoutedActorRef and routing/Router (routees, logic), ConsistentHash.
     */
    private final ActorSystem system;
    private final boolean pool;
    private final RoutingSpec strategy;
    private final AtomicLong counter = new AtomicLong();
    private final RoutingRef routingRef = new RoutingRef();
    private volatile RouteTable<M> table;
    private final ActorRef<Object> manager;

    /**
     * Spawns the manager (named {@code name}) and, for a pool, its {@code size} members.
     *
     * @param system the actor system
     * @param name the manager's name
     * @param strategy how a member is chosen
     * @param size a pool's first size (ignored for a group)
     * @param factory makes a pool's members, or {@code null} for a group
     * @param group a group's first members, or {@code null} for a pool
     */
    public RouterImpl(ActorSystem system, String name, RoutingSpec strategy, int size,
               Supplier<? extends Actor<M>> factory, List<ActorRef<M>> group) {
        this.system = system;
        this.pool = factory != null;
        this.strategy = strategy;
        this.table = RouteTable.empty();
        this.manager = system.spawn(() -> new Manager(size, factory, group), SpawnOptions.named(name));
    }

    @Override
    public ActorRef<M> ref() {
        return routingRef;
    }

    @Override
    public ActorRef<?> manager() {
        return manager;
    }

    @Override
    public List<ActorRef<M>> members() {
        return List.of(table.members);
    }

    @Override
    public void resize(int size) {
        if (!pool) {
            throw new UnsupportedOperationException("a group is not resized: add or remove members");
        }
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative, was " + size);
        }
        manager.tell(new Resize(size));
    }

    @Override
    public void add(ActorRef<M> member) {
        if (pool) {
            throw new UnsupportedOperationException("a pool's members are its children: resize it");
        }
        manager.tell(new Add<>(Objects.requireNonNull(member, "member")));
    }

    @Override
    public void remove(ActorRef<M> member) {
        if (pool) {
            throw new UnsupportedOperationException("a pool's members are its children: resize it");
        }
        manager.tell(new Remove<>(Objects.requireNonNull(member, "member")));
    }

    private record Resize(int size) {}

    private record Add<M>(ActorRef<M> member) {}

    private record Remove<M>(ActorRef<M> member) {}

    /** The members and what the strategy needs to choose among them. Immutable. */
    static final class RouteTable<M> {
        @SuppressWarnings({"unchecked", "rawtypes"})
        private static final RouteTable<?> EMPTY = new RouteTable(new ActorRef[0], null, null);
        final ActorRef<M>[] members;
        /** Consistent hashing: sorted ring points and, in parallel, the member index of each. */
        final int[] ringHashes;
        final int[] ringMembers;

        RouteTable(ActorRef<M>[] members, int[] ringHashes, int[] ringMembers) {
            this.members = members;
            this.ringHashes = ringHashes;
            this.ringMembers = ringMembers;
        }

        @SuppressWarnings("unchecked")
        static <M> RouteTable<M> empty() {
            return (RouteTable<M>) EMPTY;
        }
    }

    /** Builds the table for {@code members}: for consistent hashing, the ring. Manager thread. */
    @SuppressWarnings("unchecked")
    private RouteTable<M> tableFor(List<ActorRef<M>> members) {
        final ActorRef<M>[] array = members.toArray(new ActorRef[0]);
        if (strategy.kind() != RoutingSpec.Kind.CONSISTENT_HASHING || array.length == 0) {
            return new RouteTable<>(array, null, null);
        }
        final int vn = strategy.virtualNodes();
        final long[] points = new long[array.length * vn];
        for (int m = 0; m < array.length; m++) {
            final String path = array[m].path();
            for (int v = 0; v < vn; v++) {
                // high 32 bits: the point's hash (as an unsigned-ordered int); low 32 bits: member index
                final int h = mix(path.hashCode() * 31 + v * 0x9E3779B9);
                points[m * vn + v] = ((long) (h ^ Integer.MIN_VALUE) << 32) | m;
            }
        }
        Arrays.sort(points);
        final int[] hashes = new int[points.length];
        final int[] owners = new int[points.length];
        for (int i = 0; i < points.length; i++) {
            hashes[i] = (int) (points[i] >> 32);
            owners[i] = (int) points[i];
        }
        return new RouteTable<>(array, hashes, owners);
    }

    /** Murmur3's 32-bit finaliser: spreads the bits of a hash code. */
    static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /** Chooses the member for {@code message}, or null if there is none. Sending thread. */
    ActorRef<M> select(M message) {
        final RouteTable<M> t = table;
        final ActorRef<M>[] members = t.members;
        final int n = members.length;
        if (n == 0) {
            return null;
        }
        switch (strategy.kind()) {
            case ROUND_ROBIN:
                return members[(int) Math.floorMod(counter.getAndIncrement(), (long) n)];
            case RANDOM:
                return members[ThreadLocalRandom.current().nextInt(n)];
            case CONSISTENT_HASHING: {
                final Object key = strategy.key().apply(message);
                final int h = mix(Objects.hashCode(key)) ^ Integer.MIN_VALUE;
                int i = Arrays.binarySearch(t.ringHashes, h);
                if (i < 0) {
                    i = -i - 1;
                }
                return members[t.ringMembers[i == t.ringHashes.length ? 0 : i]];
            }
            case SMALLEST_MAILBOX:
            default: {
                ActorRef<M> best = members[0];
                int bestSize = Integer.MAX_VALUE;
                for (ActorRef<M> m : members) {
                    final int size = m instanceof BoundedMailbox<?> mb ? mb.size() : Integer.MAX_VALUE - 1;
                    if (size < bestSize) {
                        best = m;
                        bestSize = size;
                        if (size == 0) {
                            break;
                        }
                    }
                }
                return best;
            }
        }
    }

    private void deadLetter(M message) {
        system.deadLetters().publish(new DeadLetter(message, null, routingRef, DeadLetter.Reason.RECIPIENT_STOPPED));
    }

    /** The ref users send to. */
    private final class RoutingRef extends RouterRef<M> {
        @Override
        ActorRef<?> manager() {
            return manager;
        }

        @Override
        public void tell(M message) {
            Objects.requireNonNull(message, "message");
            final ActorRef<M> to = select(message);
            if (to == null) {
                deadLetter(message);
            } else {
                to.tell(message);
            }
        }

        @Override
        public boolean offer(M message) {
            Objects.requireNonNull(message, "message");
            final ActorRef<M> to = select(message);
            return to != null && to.offer(message);
        }

        @Override
        public CompletionStage<Void> send(M message) {
            Objects.requireNonNull(message, "message");
            final ActorRef<M> to = select(message);
            if (to == null) {
                deadLetter(message);
                return CompletableFuture.failedFuture(new MailboxClosedException("router " + path() + " has no members"));
            }
            return to.send(message);
        }

        @Override
        public <R> CompletionStage<R> ask(Function<ActorRef<R>, ? extends M> request, Duration timeout) {
            final RouteTable<M> t = table;
            if (t.members.length == 0) {
                return CompletableFuture.failedFuture(new ActorTerminatedException("router " + path() + " has no members"));
            }
            if (strategy.kind() == RoutingSpec.Kind.CONSISTENT_HASHING) {
                // The key is in the message, and the message needs its reply ref: build it with a
                // forwarding reply ref, choose the member, then ask that member with the same message.
                final ReplyProxy<R> proxy = new ReplyProxy<>();
                final M message = request.apply(proxy);
                final ActorRef<M> to = select(message);
                return to.<R>ask(replyTo -> {
                    proxy.target = replyTo;
                    return message;
                }, timeout);
            }
            final ActorRef<M> to = select(null);
            return to == null ? CompletableFuture.failedFuture(new ActorTerminatedException("router " + path()
                    + " has no members")) : to.ask(request, timeout);
        }

        @Override
        public String toString() {
            return "Router[" + path() + ", " + strategy + "]";
        }
    }

    /** A reply ref that forwards to an ask's reply ref, set just before the request is sent. */
    private static final class ReplyProxy<R> implements ActorRef<R> {
        volatile ActorRef<R> target;

        @Override
        public void tell(R message) {
            target.tell(message);
        }

        @Override
        public boolean offer(R message) {
            return target.offer(message);
        }

        @Override
        public CompletionStage<Void> send(R message) {
            return target.send(message);
        }

        @Override
        public <Q> CompletionStage<Q> ask(Function<ActorRef<Q>, ? extends R> request, Duration timeout) {
            throw new IllegalStateException("the reply ref of an ask cannot be asked; reply to it with tell");
        }

        @Override
        public String path() {
            final ActorRef<R> t = target;
            return t == null ? "$router-reply" : t.path();
        }

        @Override
        public String name() {
            final ActorRef<R> t = target;
            return t == null ? "$router-reply" : t.name();
        }
    }

    /** Owns the membership: spawns a pool's members, watches members, applies changes. */
    private final class Manager extends Actor<Object> {
        private final int initialSize;
        private final Supplier<? extends Actor<M>> factory;
        private final List<ActorRef<M>> members = new ArrayList<>();
        private int nextId;

        Manager(int initialSize, Supplier<? extends Actor<M>> factory, List<ActorRef<M>> group) {
            this.initialSize = initialSize;
            this.factory = factory;
            if (group != null) {
                members.addAll(group);
            }
        }

        @Override
        protected void preStart() {
            final ActorContext<Object> ctx = context();
            if (factory != null) {
                for (int i = 0; i < initialSize; i++) {
                    spawnMember();
                }
            } else {
                for (ActorRef<M> m : members) {
                    ctx.watch(m);
                }
            }
            publish();
        }

        private void spawnMember() {
            final ActorRef<M> m = context().spawn(factory, "member-" + (++nextId));
            context().watch(m);
            members.add(m);
        }

        private void publish() {
            table = tableFor(members);
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void receive(Object message) {
            if (message instanceof Resize r) {
                while (members.size() < r.size()) {
                    spawnMember();
                }
                while (members.size() > r.size()) {
                    final ActorRef<M> last = members.remove(members.size() - 1);
                    context().unwatch(last);
                    context().stop(last);
                }
                publish();
            } else if (message instanceof Add<?> a) {
                if (!members.contains(a.member())) {
                    members.add((ActorRef<M>) a.member());
                    context().watch(a.member());
                    publish();
                }
            } else if (message instanceof Remove<?> r) {
                if (members.remove(r.member())) {
                    context().unwatch(r.member());
                    publish();
                }
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            if ((signal instanceof Terminated || signal instanceof ChildFailed) && members.remove(signal.ref())) {
                publish();
            }
        }

        @Override
        protected void postStop() {
            members.clear();
            table = RouteTable.empty();
        }
    }
}
