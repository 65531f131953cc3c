package io.troupe.site.snippets;

// region first-actor
import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;

/** Greets whoever it is told about, and counts the greetings. */
final class Greeter extends Actor<Greeter.Msg> {
    sealed interface Msg {}
    record Greet(String name, ActorRef<String> replyTo) implements Msg {}
    record HowMany(ActorRef<Integer> replyTo) implements Msg {}

    private int greeted; // only this actor touches it: no lock, no volatile

    @Override
    protected void receive(Msg msg) {
        if (msg instanceof Greet g) {
            greeted++;
            g.replyTo().tell("Hello, " + g.name() + "!");
        } else if (msg instanceof HowMany h) {
            h.replyTo().tell(greeted);
        }
    }
}
// endregion
