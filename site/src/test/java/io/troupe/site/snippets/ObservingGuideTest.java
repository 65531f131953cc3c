package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.sync.EventStream;
import io.troupe.actors.sync.SystemEvent;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.observe.Console;
import io.troupe.testkit.ActorSystemExtension;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The code of guides/observing.md, run. */
class ObservingGuideTest {
    @RegisterExtension
    static final ActorSystemExtension troupe = ActorSystemExtension.create()
            .allowDeadLetters(d -> d.reason() == DeadLetter.Reason.RECIPIENT_STOPPED)
            .allowLeftoverActors();

    private static final Duration SECOND = Duration.ofSeconds(1);

    // region log
    /** Logs through the actor's logger: every record starts with the actor's path. */
    static final class Greeter extends Actor<String> {
        @Override
        protected void receive(String name) {
            context().log().log(System.Logger.Level.INFO, "greeting " + name); // [/user/greeter] greeting ann
        }
    }
    // endregion

    @Test
    void deadLetters_areCountedAndSeen(ActorSystem system) throws Exception {
        // A message to a stopped actor is a dead letter: counted, and handed to subscribers with its reason.
        // (No message before the stop: a stop does not wait behind queued messages, which would
        // then be dead letters too.)
        final ActorRef<String> greeter = system.spawn(Greeter::new, "greeter");
        system.stop(greeter).toCompletableFuture().join();
        final List<DeadLetter> seen = new CopyOnWriteArrayList<>();
        // region dead-letters
        long lost;
        try (AutoCloseable subscription = system.deadLetters().subscribe(seen::add)) { // called on the sender's thread: be quick
            greeter.tell("bob");                          // the greeter has stopped: a dead letter
            lost = system.deadLetters().count();          // 1: every dead letter is counted
        }
        // seen: [DeadLetter[message=bob, ..., reason=RECIPIENT_STOPPED]]
        // endregion
        assertEquals(1L, lost);
        assertEquals(1, seen.size());
        assertEquals("bob", seen.get(0).message());
        assertEquals(DeadLetter.Reason.RECIPIENT_STOPPED, seen.get(0).reason());
    }

    // region events
    /** Follows the system's lifecycle events: stops, failures, restarts, dead letters. */
    static final class Monitor extends Actor<Object> {
        private final ActorRef<String> out;

        Monitor(ActorRef<String> out) {
            this.out = out;
        }

        @Override
        protected void preStart() {
            EventStream.of(context().system()).subscribe(self(), event -> event, lagged -> lagged);
            out.tell("watching");
        }

        @Override
        protected void receive(Object msg) {
            if (msg instanceof SystemEvent.ActorStopped s) out.tell("stopped " + s.ref().path());
        }
    }
    // endregion

    @Test
    void eventStream_reportsStops(ActorSystem system) {
        // An actor's stop reaches a subscriber of the event stream, with its path.
        final TestProbe<String> out = TestProbe.create(system);
        system.spawn(() -> new Monitor(out.ref()), "monitor");
        out.expectMessage("watching", SECOND);
        final ActorRef<String> worker = system.spawn(Greeter::new, "worker");
        worker.tell("ann"); // logs "[/user/worker] greeting ann" (or is a dead letter, if the stop comes first)
        system.stop(worker).toCompletableFuture().join();
        final String line = out.fishForMessage(SECOND, s -> s.contains("/user/worker"));
        assertTrue(line.equals("stopped /user/worker"), line);
    }

    /** The console of the page, started with the page's code on {@code port} (9090 on the page, 0 in the test). */
    static Console startConsole(ActorSystem system, int port) {
        // region console
        Console console = Console.serve(system, new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                .toCompletableFuture().join();      // a loopback address: the console shows internals
        String page = console.url();                // "http://127.0.0.1:9090/": open it in a browser
        // ... console.close() when done; the system's shutdown also stops it
        // endregion
        assertTrue(page.startsWith("http://127.0.0.1:"), page);
        return console;
    }

    @Test
    void console_servesThePageAndTheJsonOfThisSystem(ActorSystem system) throws Exception {
        // The console started with the page's code answers the page and the two JSON endpoints the
        // page's first curl lines fetch, about this system: its name, and an actor it runs in the dump.
        final ActorRef<String> greeter = system.spawn(Greeter::new, "greeter");
        final Console console = startConsole(system, 0);
        try {
            final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(10)).build();
            final java.net.http.HttpResponse<String> page = get(http, console.url());
            assertEquals(200, page.statusCode());
            assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
            assertTrue(page.body().contains("\"api/dump\"") && page.body().contains("\"api/events\""),
                    "the page polls the dump and listens to the events stream");

            final java.net.http.HttpResponse<String> dump = get(http, console.url() + "api/dump?max=50");
            assertEquals(200, dump.statusCode());
            assertTrue(dump.body().contains("\"system\":\"" + system.name() + "\""), dump.body());
            assertTrue(dump.body().contains("\"path\":\"" + greeter.path() + "\""), dump.body());

            final java.net.http.HttpResponse<String> counters = get(http, console.url() + "api/counters");
            assertEquals(200, counters.statusCode());
            assertTrue(counters.body().startsWith("{\"system\":\"" + system.name() + "\""), counters.body());
            assertTrue(counters.body().contains("\"counters\":[") && counters.body().contains("{\"name\":\""), counters.body());
        } finally {
            console.close();
        }
    }

    private static java.net.http.HttpResponse<String> get(java.net.http.HttpClient http, String url) throws Exception {
        return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }
}
