package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.troupe.actors.internal.ForeignRef;
import io.troupe.actors.internal.SystemAccess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The runtime's half of watching a remote actor (issue 17): the {@link ForeignRef} SPI that the
 * remote module implements, {@link SystemAccess#foreignTerminated} and {@link SystemAccess#resolve}.
 * A fake foreign ref records the calls it gets; "nothing arrived" is checked with a fence (a
 * question to the watcher answered after the system messages sent before it), never with a sleep.
 */
class ForeignRefWatchTest {

    /** A remote actor's ref as the remote module would make it: value equality by address. */
    static final class FakeRemoteRef implements ActorRef<Object>, ForeignRef {
        final String address;
        final BlockingQueue<String> calls;

        FakeRemoteRef(String address, BlockingQueue<String> calls) {
            this.address = address;
            this.calls = calls;
        }

        @Override
        public void watchedBy(ActorRef<?> watcher) {
            calls.add("watchedBy " + watcher.path());
        }

        @Override
        public void unwatchedBy(ActorRef<?> watcher) {
            calls.add("unwatchedBy " + watcher.path());
        }

        @Override
        public void tell(Object message) {}

        @Override
        public boolean offer(Object message) {
            return false;
        }

        @Override
        public CompletionStage<Void> send(Object message) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public <R> CompletionStage<R> ask(Function<ActorRef<R>, ?> request, Duration timeout) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("fake"));
        }

        @Override
        public String path() {
            return address.substring(address.indexOf('/', "troupe://".length()));
        }

        @Override
        public String name() {
            return address.substring(address.lastIndexOf('/') + 1);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FakeRemoteRef other && other.address.equals(address);
        }

        @Override
        public int hashCode() {
            return address.hashCode();
        }

        @Override
        public String toString() {
            return "FakeRemoteRef[" + address + "]";
        }
    }

    /** Watches and unwatches on command; records every Terminated it gets, in order. */
    static final class Watcher extends Actor<Object> {
        record Watch(ActorRef<?> ref) {}

        record Unwatch(ActorRef<?> ref) {}

        /** The fence: answered with the Terminated refs seen so far. */
        record Seen(ActorRef<List<ActorRef<?>>> replyTo) {}

        private final List<ActorRef<?>> terminated = new ArrayList<>();

        @Override
        protected void receive(Object m) {
            if (m instanceof Watch w) {
                context().watch(w.ref());
            } else if (m instanceof Unwatch u) {
                context().unwatch(u.ref());
            } else if (m instanceof Seen s) {
                s.replyTo().tell(List.copyOf(terminated));
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof Terminated t) {
                terminated.add(t.ref());
            }
        }
    }

    /** Spawns one named child on start; otherwise idle. */
    static final class Parent extends Actor<Object> {
        private final String childName;

        Parent(String childName) {
            this.childName = childName;
        }

        @Override
        protected void preStart() {
            context().spawn(Idle::new, childName);
        }

        @Override
        protected void receive(Object m) {}
    }

    static final class Idle extends Actor<Object> {
        @Override
        protected void receive(Object m) {}
    }

    private static final String REMOTE = "troupe://other@127.0.0.1:2552/user/remote";

    /** The Terminated refs the watcher saw, after every system message sent to it before this call. */
    private static List<ActorRef<?>> seen(ActorRef<Object> watcher) {
        return join(watcher.<List<ActorRef<?>>>ask(Watcher.Seen::new, TIMEOUT));
    }

    private static List<String> drain(BlockingQueue<String> calls) {
        final List<String> out = new ArrayList<>();
        calls.drainTo(out);
        return out;
    }

    @BothDispatchers
    void watch_twiceWithEqualRefs_watchedByOnce(DispatcherKind kind) {
        // Watching a foreign ref registers it with its owner once, even when watched twice through
        // two equal ref objects (the same remote actor decoded from two messages).
        final BlockingQueue<String> calls = new LinkedBlockingQueue<>();
        try (ActorSystem system = Testing.system(kind)) {
            final ActorRef<Object> watcher = system.spawn(Watcher::new, "watcher");
            final FakeRemoteRef first = new FakeRemoteRef(REMOTE, calls);
            final FakeRemoteRef again = new FakeRemoteRef(REMOTE, calls);
            assertNotSame(first, again);
            watcher.tell(new Watcher.Watch(first));
            watcher.tell(new Watcher.Watch(again));
            assertEquals(List.of(), seen(watcher));
            assertEquals(List.of("watchedBy /user/watcher"), drain(calls));
        }
    }

    @BothDispatchers
    void foreignTerminated_watched_deliversTerminatedOnce(DispatcherKind kind) {
        // The owner's report of the remote actor's end reaches the watcher as Terminated(ref),
        // exactly once: a second report (the node declared down after the actor's own end) is dropped.
        final BlockingQueue<String> calls = new LinkedBlockingQueue<>();
        try (ActorSystem system = Testing.system(kind)) {
            final ActorRef<Object> watcher = system.spawn(Watcher::new, "watcher");
            final FakeRemoteRef remote = new FakeRemoteRef(REMOTE, calls);
            watcher.tell(new Watcher.Watch(remote));
            assertEquals(List.of(), seen(watcher));
            SystemAccess.foreignTerminated(watcher, remote);
            final List<ActorRef<?>> once = seen(watcher);
            assertEquals(List.of(remote), once);
            assertSame(remote, once.get(0));
            SystemAccess.foreignTerminated(watcher, new FakeRemoteRef(REMOTE, calls));
            assertEquals(List.of(remote), seen(watcher));
            // the watch ended with the report: no unwatchedBy for it now, and none at the stop
            join(system.stop(watcher));
            assertEquals(List.of("watchedBy /user/watcher"), drain(calls));
        }
    }

    @BothDispatchers
    void unwatch_thenForeignTerminated_nothingDelivered(DispatcherKind kind) {
        // After unwatch the owner is told (unwatchedBy, after watchedBy), and a report that
        // crossed the unwatch delivers nothing.
        final BlockingQueue<String> calls = new LinkedBlockingQueue<>();
        try (ActorSystem system = Testing.system(kind)) {
            final ActorRef<Object> watcher = system.spawn(Watcher::new, "watcher");
            final FakeRemoteRef remote = new FakeRemoteRef(REMOTE, calls);
            watcher.tell(new Watcher.Watch(remote));
            watcher.tell(new Watcher.Unwatch(new FakeRemoteRef(REMOTE, calls)));
            assertEquals(List.of(), seen(watcher));
            assertEquals(List.of("watchedBy /user/watcher", "unwatchedBy /user/watcher"), drain(calls));
            SystemAccess.foreignTerminated(watcher, remote);
            assertEquals(List.of(), seen(watcher));
            // unwatching what is not watched tells the owner nothing
            watcher.tell(new Watcher.Unwatch(remote));
            assertEquals(List.of(), seen(watcher));
            assertEquals(List.of(), drain(calls));
        }
    }

    @BothDispatchers
    void stop_watcherOfAForeignRef_unwatchedByCalledAndALateReportIsHarmless(DispatcherKind kind)
            throws InterruptedException {
        // A watcher that stops takes its watch back from the owner (unwatchedBy, once); a report
        // that arrives for it afterwards is a no-op that throws nothing.
        final BlockingQueue<String> calls = new LinkedBlockingQueue<>();
        try (ActorSystem system = Testing.system(kind)) {
            final ActorRef<Object> watcher = system.spawn(Watcher::new, "watcher");
            final FakeRemoteRef remote = new FakeRemoteRef(REMOTE, calls);
            watcher.tell(new Watcher.Watch(remote));
            assertEquals(List.of(), seen(watcher));
            assertEquals("watchedBy /user/watcher", calls.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            join(system.stop(watcher));
            assertEquals("unwatchedBy /user/watcher", calls.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            SystemAccess.foreignTerminated(watcher, remote);
            SystemAccess.foreignTerminated(watcher, remote);
            // the system still serves: a new watcher at the same name watches and hears the report
            final ActorRef<Object> next = system.spawn(Watcher::new, "watcher2");
            next.tell(new Watcher.Watch(remote));
            assertEquals(List.of(), seen(next));
            SystemAccess.foreignTerminated(next, remote);
            assertEquals(List.of(remote), seen(next));
            assertEquals(List.of("watchedBy /user/watcher2"), drain(calls));
        }
    }

    @BothDispatchers
    void foreignTerminated_watcherIsNoLocalActor_noOp(DispatcherKind kind) {
        // A report naming a watcher that is not a local actor (another foreign ref) does nothing.
        final BlockingQueue<String> calls = new LinkedBlockingQueue<>();
        try (ActorSystem system = Testing.system(kind)) {
            final FakeRemoteRef remote = new FakeRemoteRef(REMOTE, calls);
            SystemAccess.foreignTerminated(new FakeRemoteRef("troupe://x@h:1/user/w", calls), remote);
            assertEquals(List.of(), drain(calls));
        }
    }

    @BothDispatchers
    void resolve_paths_findLiveNamedActorsOnly(DispatcherKind kind) {
        // resolve finds the actor at an absolute path under /user or /system, and returns null for
        // a path nobody lives at, an unknown root, a relative path, and an actor that has stopped.
        try (ActorSystem system = Testing.system(kind)) {
            final ActorRef<Object> a = system.spawn(() -> new Parent("b"), "a");
            Testing.awaitTrue("a spawned b", () -> SystemAccess.resolve(system, "/user/a/b") != null);
            final ActorRef<?> b = SystemAccess.resolve(system, "/user/a/b");
            assertEquals("/user/a/b", b.path());
            assertSame(a, SystemAccess.resolve(system, "/user/a"));
            assertEquals("/user", SystemAccess.resolve(system, "/user").path());
            assertNull(SystemAccess.resolve(system, "/user/a/c"));
            assertNull(SystemAccess.resolve(system, "/user/a/b/c"));
            assertNull(SystemAccess.resolve(system, "/user/nobody"));
            assertNull(SystemAccess.resolve(system, "/nope"));
            assertNull(SystemAccess.resolve(system, "/nope/a"));
            assertNull(SystemAccess.resolve(system, "/temp/a"));
            assertNull(SystemAccess.resolve(system, "user/a"));
            assertNull(SystemAccess.resolve(system, "a/b"));
            assertNull(SystemAccess.resolve(system, ""));
            assertNull(SystemAccess.resolve(system, "/"));
            join(system.stop(b));
            Testing.awaitTrue("b unlinked", () -> SystemAccess.resolve(system, "/user/a/b") == null);
            assertSame(a, SystemAccess.resolve(system, "/user/a"));
        }
    }
}
