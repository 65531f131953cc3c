package io.troupe.remote;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** The ref of a local path where no actor is: what is sent to it becomes a dead letter. Any thread. */
final class MissingRef implements ActorRef<Object> {
    private final String path;
    private final ActorSystem system;

    MissingRef(String path, ActorSystem system) {
        this.path = path;
        this.system = system;
    }

    @Override
    public void tell(Object message) {
        system.deadLetters().publish(new DeadLetter(java.util.Objects.requireNonNull(message, "message"), null, this,
                DeadLetter.Reason.RECIPIENT_STOPPED));
    }

    @Override
    public boolean offer(Object message) {
        tell(message);
        return false;
    }

    @Override
    public CompletionStage<Void> send(Object message) {
        tell(message);
        return CompletableFuture.failedStage(new io.troupe.mailbox.MailboxClosedException("no actor at " + path));
    }

    @Override
    public <R> CompletionStage<R> ask(Function<ActorRef<R>, ?> request, Duration timeout) {
        return CompletableFuture.failedStage(new io.troupe.actors.ActorTerminatedException("no actor at " + path));
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
    public boolean equals(Object o) {
        return o instanceof MissingRef m && m.path.equals(path) && m.system == system;
    }

    @Override
    public int hashCode() {
        return path.hashCode();
    }

    @Override
    public String toString() {
        return "ActorRef[" + path + " (no actor)]";
    }
}
