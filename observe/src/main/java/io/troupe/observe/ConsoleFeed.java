package io.troupe.observe;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorDump;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.SpawnOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The console's live feed: every second, one server-sent event with the observed system's
 * counters, its slowest handler runs and its recent dead letters, pushed to each open page's
 * {@code /api/events} stream that has demand. Thread safe.
 *
 * <p>Runs on the console's host system (an actor with a fixed-rate timer), never on the observed
 * system's workers; it only reads {@link ActorSystem#counterValues()},
 * {@link ActorSystem#slowestHandlers()} and what the dead-letter subscription kept.
 */
final class ConsoleFeed implements AutoCloseable {
    /*
     * Threading protocol: the ticker actor (one thread at a time) builds each event and calls
     * onNext on every stream; Flow requires one signal at a time per subscriber, which the actor
     * gives. request() and cancel() come from the HTTP connection's thread: demand is an atomic
     * count, cancel a flag, and a first request() asks the ticker for an immediate event. Dead
     * letters arrive on whatever thread produced them and go into a ring under its monitor.
     * Invariants: at most RECENT_DEAD_LETTERS letters are kept; a stream gets an event only
     * while it has demand (a tick it cannot take is skipped: each event carries absolute values,
     * so a skipped one loses only a chart point); a cancelled stream is dropped at the next tick.
     * Memory ordering: the streams list is copy-on-write; the ring is guarded by its monitor.
     * Shutdown: close() unsubscribes from dead letters, stops the ticker and drops every stream
     * (their connections end with the console's server; completing them from close() could race
     * a tick's onNext). The ticker also ends with its host system.
     */
    /** How many recent dead letters an event carries. */
    static final int RECENT_DEAD_LETTERS = 20;
    /** Time between two events. */
    static final Duration PERIOD = Duration.ofSeconds(1);

    private final ActorSystem observed;
    private final ActorSystem host;
    private final CopyOnWriteArrayList<Stream> streams = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Letter> letters = new ArrayDeque<>(RECENT_DEAD_LETTERS);
    private final AutoCloseable deadLetterSubscription;
    private final ActorRef<Object> ticker;
    private volatile boolean closed;

    /** One dead letter as shown: when (monotonic ms), why, what, from and to. */
    record Letter(long monotonicMillis, String reason, String messageType, String sender, String recipient) {}

    private enum Tick { INSTANCE }

    private ConsoleFeed(ActorSystem observed, ActorSystem host) {
        this.observed = observed;
        this.host = host;
        this.deadLetterSubscription = observed.deadLetters().subscribe(this::onDeadLetter);
        this.ticker = host.spawnSystemActor(() -> new Actor<Object>() {
            @Override
            protected void preStart() {
                context().timers().startTimerAtFixedRate("tick", Tick.INSTANCE, PERIOD);
            }

            @Override
            protected void receive(Object message) {
                if (message == Tick.INSTANCE) {
                    tick(null);
                } else if (message instanceof Stream first) {
                    tick(first);
                }
            }
        }, SpawnOptions.defaults());
    }

    /** Starts the feed of {@code observed}, ticking on {@code host}. Any thread. */
    static ConsoleFeed start(ActorSystem observed, ActorSystem host) {
        return new ConsoleFeed(Objects.requireNonNull(observed, "observed"), Objects.requireNonNull(host, "host"));
    }

    /** Dead-letter subscriber: on the producing thread; keeps the newest few. Paths are cached by the core. */
    private void onDeadLetter(DeadLetter letter) {
        final Object m = letter.message();
        final Letter l = new Letter(System.nanoTime() / 1_000_000, letter.reason().name(), m == null ? null : m.getClass().getName(),
                letter.sender() == null ? null : letter.sender().path(), letter.recipient() == null ? null : letter.recipient().path());
        synchronized (letters) {
            if (letters.size() == RECENT_DEAD_LETTERS) {
                letters.pollFirst();
            }
            letters.addLast(l);
        }
    }

    /** The newest dead letters, oldest first. Any thread. */
    List<Letter> recentDeadLetters() {
        synchronized (letters) {
            return List.copyOf(letters);
        }
    }

    /** The event's JSON: counters, slowest handlers, recent dead letters. Any thread. */
    String snapshot() {
        final StringBuilder sb = new StringBuilder(2048);
        final String counters = ConsoleJson.counters(observed.name(), System.nanoTime() / 1_000_000, observed.counterValues());
        sb.append(counters, 0, counters.lastIndexOf('}')); // reopen the counters object to add fields
        sb.append(",\"slowest\":[");
        boolean first = true;
        for (ActorDump.SlowHandler s : observed.slowestHandlers()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append("{\"path\":");
            ConsoleJson.string(sb, s.path());
            sb.append(",\"message\":");
            ConsoleJson.string(sb, s.messageType());
            sb.append(",\"millis\":").append(s.duration().toMillis());
            sb.append(",\"running\":").append(s.running());
            sb.append('}');
        }
        sb.append("],\"deadLetters\":[");
        first = true;
        for (Letter l : recentDeadLetters()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append("{\"monotonicMillis\":").append(l.monotonicMillis());
            sb.append(",\"reason\":");
            ConsoleJson.string(sb, l.reason());
            sb.append(",\"message\":");
            ConsoleJson.string(sb, l.messageType());
            sb.append(",\"sender\":");
            ConsoleJson.string(sb, l.sender());
            sb.append(",\"recipient\":");
            ConsoleJson.string(sb, l.recipient());
            sb.append('}');
        }
        sb.append("],\"deadLettersTotal\":").append(observed.deadLetters().count());
        return sb.append("}").toString();
    }

    /** Ticker's thread: one event to every stream with demand ({@code only}: to that stream alone). */
    private void tick(Stream only) {
        if (streams.isEmpty() || closed) {
            return;
        }
        // One data line: the JSON has newlines only between entries (strings escape theirs), and SSE ends data at one.
        final byte[] event = ("event: tick\ndata: " + snapshot().replace("\n", "") + "\n\n").getBytes(StandardCharsets.UTF_8);
        for (Stream s : streams) {
            if (s.cancelled) {
                streams.remove(s);
            } else if ((only == null || only == s) && s.tryTake()) {
                s.subscriber.onNext(ByteBuffer.wrap(event));
            }
        }
    }

    /** A new {@code /api/events} body: subscribed once, by the HTTP connection. */
    Flow.Publisher<ByteBuffer> newStream() {
        return subscriber -> {
            Objects.requireNonNull(subscriber, "subscriber");
            final Stream s = new Stream(subscriber);
            if (closed) {
                subscriber.onSubscribe(s);
                subscriber.onComplete();
                return;
            }
            streams.add(s); // before onSubscribe: no event goes out before the first request(), which comes after it
            subscriber.onSubscribe(s);
        };
    }

    /** One open page's event stream, with its demand. */
    private final class Stream implements Flow.Subscription {
        final Flow.Subscriber<? super ByteBuffer> subscriber;
        final AtomicLong demand = new AtomicLong();
        volatile boolean cancelled;
        private volatile boolean started;

        Stream(Flow.Subscriber<? super ByteBuffer> subscriber) {
            this.subscriber = subscriber;
        }

        /** Takes one unit of demand if there is some. */
        boolean tryTake() {
            while (true) {
                final long d = demand.get();
                if (d <= 0) {
                    return false;
                }
                if (demand.compareAndSet(d, d - 1)) {
                    return true;
                }
            }
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                cancelled = true; // Flow: a non-positive request is an error; the stream ends
                return;
            }
            demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
            if (!started) {
                started = true;
                ticker.tell(this); // the first event at once, not a period later
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    /** Unsubscribes from dead letters, stops the ticker and drops the open streams. Any thread. */
    @Override
    public void close() {
        closed = true;
        try {
            deadLetterSubscription.close();
        } catch (Exception e) {
            // the subscription's close only removes it from a set
        }
        host.stop(ticker);
        for (Stream s : new ArrayList<>(streams)) {
            s.cancelled = true;
        }
        streams.clear();
    }
}
