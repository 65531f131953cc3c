package io.troupe.actors.testkit;

import io.troupe.actors.ActorRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * A ref that records what is sent to it, with no actor and no thread behind it: the
 * synchronous counterpart of {@link TestProbe}, for {@link BehaviorTestKit}. Messages are
 * kept in arrival order until taken. Any thread may send; the test thread takes.
 *
 * @param <T> the type of message it accepts
 */
public final class TestInbox<T> {
    private final ConcurrentLinkedQueue<T> messages = new ConcurrentLinkedQueue<>();
    private final InboxRef ref;

    private TestInbox(String path) {
        this.ref = new InboxRef(path);
    }

    /**
     * An inbox whose ref has the path {@code /inbox/<name>}.
     *
     * @param name a name for messages and paths
     * @param <T> the message type
     * @return the inbox
     */
    public static <T> TestInbox<T> create(String name) {
        return new TestInbox<>("/inbox/" + Objects.requireNonNull(name, "name"));
    }

    /** An inbox standing for an actor at {@code path} (a child, the parent). */
    static <T> TestInbox<T> at(String path) {
        return new TestInbox<>(path);
    }

    /**
     * The ref to hand to the code under test. {@code tell}, {@code offer} and {@code send}
     * record the message; {@code ask} is not supported (nothing would answer).
     *
     * @return the ref
     */
    public ActorRef<T> ref() {
        return ref;
    }

    /**
     * Takes the oldest message.
     *
     * @return the message
     * @throws AssertionError if there is none
     */
    public T receiveMessage() {
        final T m = messages.poll();
        if (m == null) {
            throw new AssertionError("no message in " + ref.path);
        }
        return m;
    }

    /**
     * Takes the oldest message and checks that it equals {@code expected}.
     *
     * @param expected the message expected
     * @throws AssertionError if there is none or it differs
     */
    public void expectMessage(T expected) {
        final T m = receiveMessage();
        if (!Objects.equals(expected, m)) {
            throw new AssertionError("expected " + expected + " but " + ref.path + " received " + m);
        }
    }

    /**
     * Takes every message.
     *
     * @return the messages, oldest first (empty if none)
     */
    public List<T> receiveAll() {
        final List<T> all = new ArrayList<>();
        for (T m; (m = messages.poll()) != null; ) {
            all.add(m);
        }
        return all;
    }

    /**
     * Whether a message waits.
     *
     * @return {@code true} if one does
     */
    public boolean hasMessages() {
        return !messages.isEmpty();
    }

    @Override
    public String toString() {
        return "TestInbox[" + ref.path + "]";
    }

    private final class InboxRef implements ActorRef<T> {
        private final String path;

        InboxRef(String path) {
            this.path = path;
        }

        @Override
        public void tell(T message) {
            messages.add(Objects.requireNonNull(message, "message"));
        }

        @Override
        public boolean offer(T message) {
            tell(message);
            return true;
        }

        @Override
        public CompletionStage<Void> send(T message) {
            tell(message);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public <R> CompletionStage<R> ask(Function<ActorRef<R>, ? extends T> request, Duration timeout) {
            throw new UnsupportedOperationException("a TestInbox cannot be asked: nothing behind it replies");
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public String name() {
            return path.substring(path.lastIndexOf('/') + 1);
        }

        @Override
        public String toString() {
            return "ActorRef[" + path + "]";
        }
    }
}
