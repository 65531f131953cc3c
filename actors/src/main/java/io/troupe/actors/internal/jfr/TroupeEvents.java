package io.troupe.actors.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

/**
 * The JFR events the runtime emits, all named {@code troupe.*} (see docs/observability.md).
 *
 * <p>Cost when no recording runs: each emitting site first asks the static {@code *_PROBE}
 * instance of its event class {@link Event#isEnabled()}, which reads one static field of the
 * instrumented class; only then does it allocate the event and compute its fields (an actor's
 * path is built from its ancestors' names). Events are emitted from whichever thread saw the
 * fact: the actor's dispatcher thread (spawn, stop, failure, restart, handled message, span),
 * the sender's (overflow, dead letter), the timer or watchdog thread (ask timeout, slow handler).
 */
public final class TroupeEvents {
    private TroupeEvents() {
    }

    /**
     * Whether the per-message and per-activation observability hooks run: the
     * {@code troupe.MessageHandled} check, the dump's current message, the activation count and
     * tracing. True unless the JVM runs with {@code -Dtroupe.observe.hooks=false}, the "compiled
     * out" side of the cost A/B of issue 15 (benchmarks/ ObserveCostBenchmark): a static final
     * constant, so the JIT folds each {@code if (HOOKS ...)} away. With the hooks off the dump
     * shows no message type, the activation count stays 0 and nothing is traced; rare events
     * (spawn, stop, failure, dead letter, overflow) are still counted and emitted.
     */
    public static final boolean HOOKS = !"false".equalsIgnoreCase(System.getProperty("troupe.observe.hooks"));

    /** For the hot path: {@code HANDLED_PROBE.isEnabled()} costs a static read and a branch. */
    public static final MessageHandled HANDLED_PROBE = new MessageHandled();
    /** Probe of {@link Spawned}. */
    public static final Spawned SPAWNED_PROBE = new Spawned();
    /** Probe of {@link Stopped}. */
    public static final Stopped STOPPED_PROBE = new Stopped();
    /** Probe of {@link Failed}. */
    public static final Failed FAILED_PROBE = new Failed();
    /** Probe of {@link Restarted}. */
    public static final Restarted RESTARTED_PROBE = new Restarted();
    /** Probe of {@link MailboxOverflow}. */
    public static final MailboxOverflow OVERFLOW_PROBE = new MailboxOverflow();
    /** Probe of {@link DeadLetterEvent}. */
    public static final DeadLetterEvent DEAD_LETTER_PROBE = new DeadLetterEvent();
    /** Probe of {@link SlowHandler}. */
    public static final SlowHandler SLOW_HANDLER_PROBE = new SlowHandler();
    /** Probe of {@link AskTimeout}. */
    public static final AskTimeout ASK_TIMEOUT_PROBE = new AskTimeout();
    /** Probe of {@link SpanEvent}. */
    public static final SpanEvent SPAN_PROBE = new SpanEvent();
    /** Probe of {@link SocketAccepted}. */
    public static final SocketAccepted SOCKET_ACCEPTED_PROBE = new SocketAccepted();
    /** Probe of {@link SocketConnected}. */
    public static final SocketConnected SOCKET_CONNECTED_PROBE = new SocketConnected();
    /** Probe of {@link SocketClosed}. */
    public static final SocketClosed SOCKET_CLOSED_PROBE = new SocketClosed();

    /**
     * The class name of {@code message}, for an event's message-type field.
     *
     * @param message a message, or null
     * @return its class name, or null
     */
    public static String typeOf(Object message) {
        return message == null ? null : message.getClass().getName();
    }

    /** An actor was spawned (its cell linked under its parent; the factory runs later). */
    @Name("troupe.ActorSpawned")
    @Label("Actor Spawned")
    @Category({"Troupe", "Actors"})
    @StackTrace(false)
    public static final class Spawned extends Event {
        /** The actor's path. */
        @Label("Actor Path")
        public String path;
        /** Its mailbox capacity. */
        @Label("Mailbox Capacity")
        public int mailboxCapacity;
        /** Its dispatcher's name. */
        @Label("Dispatcher")
        public String dispatcher;
    }

    /** An actor terminated: postStop ran, its parent and watchers are being told. */
    @Name("troupe.ActorStopped")
    @Label("Actor Stopped")
    @Category({"Troupe", "Actors"})
    @StackTrace(false)
    public static final class Stopped extends Event {
        /** The actor's path. */
        @Label("Actor Path")
        public String path;
        /** The class of the failure that stopped it, or null for a plain stop. */
        @Label("Failure Class")
        public String failureClass;
        /** The failure's message, or null. */
        @Label("Failure Message")
        public String failureMessage;
    }

    /** A handler (or the factory, or a lifecycle hook) threw; supervision decides next. */
    @Name("troupe.ActorFailed")
    @Label("Actor Failed")
    @Category({"Troupe", "Actors"})
    @StackTrace(false)
    public static final class Failed extends Event {
        /** The actor's path. */
        @Label("Actor Path")
        public String path;
        /** The exception's class. */
        @Label("Exception Class")
        public String exceptionClass;
        /** The exception's message. */
        @Label("Exception Message")
        public String exceptionMessage;
        /** The exception's stack, as printed. */
        @Label("Exception Stack")
        public String exceptionStack;
        /** What supervision decided: RESUME, RESTART, STOP or ESCALATE. */
        @Label("Directive")
        public String directive;
    }

    /** A failed actor was restarted: a fresh instance from its factory, same ref and mailbox. */
    @Name("troupe.ActorRestarted")
    @Label("Actor Restarted")
    @Category({"Troupe", "Actors"})
    @StackTrace(false)
    public static final class Restarted extends Event {
        /** The actor's path. */
        @Label("Actor Path")
        public String path;
        /** The class of the failure that caused the restart. */
        @Label("Cause Class")
        public String causeClass;
    }

    /** A message did not fit a full mailbox (dropped under the receiver's overflow policy). */
    @Name("troupe.MailboxOverflow")
    @Label("Mailbox Overflow")
    @Category({"Troupe", "Actors"})
    @StackTrace(false)
    public static final class MailboxOverflow extends Event {
        /** The receiver's path. */
        @Label("Actor Path")
        public String path;
        /** The dropped message's class. */
        @Label("Message Type")
        public String messageType;
        /** The mailbox capacity. */
        @Label("Mailbox Capacity")
        public int capacity;
        /** The overflow policy. */
        @Label("Policy")
        public String policy;
    }

    /** A message could not be delivered and went to dead letters. */
    @Name("troupe.DeadLetter")
    @Label("Dead Letter")
    @Category({"Troupe", "Actors"})
    @StackTrace(false)
    public static final class DeadLetterEvent extends Event {
        /** The intended recipient's path. */
        @Label("Recipient Path")
        public String recipient;
        /** The sender's path, or null if unknown (sent from outside the actors). */
        @Label("Sender Path")
        public String sender;
        /** The message's class. */
        @Label("Message Type")
        public String messageType;
        /** Why it was not delivered. */
        @Label("Reason")
        public String reason;
    }

    /** One handler ran past the slow-handler threshold (reported once per handler run). */
    @Name("troupe.SlowHandler")
    @Label("Slow Handler")
    @Category({"Troupe", "Actors"})
    @Description("A handler held a dispatcher thread longer than the system's slowHandlerThreshold; the worker's stack shows where")
    @StackTrace(false)
    public static final class SlowHandler extends Event {
        /** The actor's path. */
        @Label("Actor Path")
        public String path;
        /** The class of the message being handled, or null if unknown. */
        @Label("Message Type")
        public String messageType;
        /** How long the handler had been running when seen. */
        @Label("Running For")
        @Timespan(Timespan.NANOSECONDS)
        public long runningNanos;
        /** The worker thread. */
        @Label("Worker Thread")
        public Thread worker;
        /** The worker's state when sampled (RUNNABLE: busy on the CPU or in native I/O). */
        @Label("Worker State")
        public String workerState;
        /** The worker's stack when sampled, one frame a line. */
        @Label("Worker Stack")
        public String workerStack;
    }

    /** An ask's timeout expired before a reply. */
    @Name("troupe.AskTimeout")
    @Label("Ask Timeout")
    @Category({"Troupe", "Actors"})
    @StackTrace(false)
    public static final class AskTimeout extends Event {
        /** The asked actor's path. */
        @Label("Target Path")
        public String target;
        /** The timeout. */
        @Label("Timeout")
        @Timespan(Timespan.NANOSECONDS)
        public long timeoutNanos;
    }

    /**
     * One user message handled, recorded only above the threshold (default 20 ms; set
     * {@code troupe.MessageHandled#threshold} in the recording's settings), like the JDK's
     * {@code jdk.ThreadPark}.
     */
    @Name("troupe.MessageHandled")
    @Label("Message Handled")
    @Category({"Troupe", "Actors"})
    @Threshold("20 ms")
    @StackTrace(false)
    public static final class MessageHandled extends Event {
        /** The actor's path. */
        @Label("Actor Path")
        public String path;
        /** The message's class. */
        @Label("Message Type")
        public String messageType;
    }

    /** A traced message handled: one span; {@code parentSpanId} links it to the sender's. */
    @Name("troupe.Span")
    @Label("Span")
    @Category({"Troupe", "Tracing"})
    @StackTrace(false)
    @Enabled(true)
    public static final class SpanEvent extends Event {
        /** High 64 bits of the trace id. */
        @Label("Trace Id High")
        public long traceIdHigh;
        /** Low 64 bits of the trace id. */
        @Label("Trace Id Low")
        public long traceIdLow;
        /** This span's id. */
        @Label("Span Id")
        public long spanId;
        /** The parent span's id, or 0 for a root span. */
        @Label("Parent Span Id")
        public long parentSpanId;
        /** The actor's path. */
        @Label("Actor Path")
        public String path;
        /** The message's class. */
        @Label("Message Type")
        public String messageType;
        /** The class of what the handler threw, or null. */
        @Label("Failure Class")
        public String failureClass;
    }

    /** A listener accepted a connection. */
    @Name("troupe.SocketAccepted")
    @Label("Socket Accepted")
    @Category({"Troupe", "Sockets"})
    @StackTrace(false)
    public static final class SocketAccepted extends Event {
        /** The listener actor's path. */
        @Label("Listener Path")
        public String listener;
        /** The local address. */
        @Label("Local Address")
        public String localAddress;
        /** The peer's address. */
        @Label("Remote Address")
        public String remoteAddress;
    }

    /** A connection actor's socket is connected (an outgoing connect finished, or an accepted one started). */
    @Name("troupe.SocketConnected")
    @Label("Socket Connected")
    @Category({"Troupe", "Sockets"})
    @StackTrace(false)
    public static final class SocketConnected extends Event {
        /** The connection actor's path. */
        @Label("Connection Path")
        public String path;
        /** The peer's address. */
        @Label("Remote Address")
        public String remoteAddress;
    }

    /** A connection actor closed its socket. */
    @Name("troupe.SocketClosed")
    @Label("Socket Closed")
    @Category({"Troupe", "Sockets"})
    @StackTrace(false)
    public static final class SocketClosed extends Event {
        /** The connection actor's path. */
        @Label("Connection Path")
        public String path;
        /** The peer's address, or null if never connected. */
        @Label("Remote Address")
        public String remoteAddress;
        /** Bytes read over the connection's life. */
        @Label("Bytes Read")
        @DataAmount
        public long bytesRead;
        /** Bytes written over the connection's life. */
        @Label("Bytes Written")
        @DataAmount
        public long bytesWritten;
    }
}
