package io.troupe.actors;

import io.troupe.actors.internal.ActivationProbe;
import io.troupe.actors.internal.jfr.TroupeEvents;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One span: a traced message being handled. Ids as W3C trace context's (128-bit trace, 64-bit
 * span); the exporter's handle rides along so that its children name it as their parent.
 * Created and ended on the handling actor's thread; immutable once published (a message that
 * carries it as parent is sent after it is complete).
 */
final class TraceSpan {
    /*
     * Threading protocol: start() and end() on the actor's thread; other threads only read the
     * final fields of a parent, published by the enqueue of the message that carries it.
     * Invariants: a child has its parent's trace id; spanId != 0; parentId == 0 only for roots.
     * Memory ordering: the mailbox's enqueue/poll publishes the span with the message.
     * Shutdown: nothing to release.
     * References: W3C Trace Context; OpenTelemetry's SpanContext.
     */
    private static final System.Logger LOG = System.getLogger("io.troupe.actors.Tracing");

    /**
     * Whether any system or subtree ever turned tracing on in this JVM: set once, never cleared.
     * A constant to the JIT: the call site's target is a constant method handle, which compiled
     * code folds (with a dependency on the call site), so until tracing is turned on the tracing
     * checks on the send and handle paths cost nothing; turning it on re-targets the site and
     * deoptimizes the code that folded it (once per JVM). A thread running code compiled before
     * may see false for a moment after {@link #enableTracing()} returns ({@code syncAll} makes
     * the change visible to all threads promptly, not atomically): it sends untraced, which only
     * a sender outside any traced handler can do anyway, and a cell is traced only once its
     * spawner (after enableTracing) published it.
     */
    private static final java.lang.invoke.MutableCallSite ANY_TRACING =
            new java.lang.invoke.MutableCallSite(java.lang.invoke.MethodHandles.constant(boolean.class, false));
    private static final java.lang.invoke.MethodHandle ANY_TRACING_VALUE = ANY_TRACING.dynamicInvoker();
    /** Guarded by TraceSpan.class: whether ANY_TRACING was re-targeted already. */
    private static boolean tracingEnabled;

    /** Any thread: whether tracing was ever turned on in this JVM; free in compiled code while false. */
    static boolean anyTracing() {
        try {
            return (boolean) ANY_TRACING_VALUE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t); // a constant handle throws nothing
        }
    }

    /** Any thread: tracing is on somewhere from now on (a system or a subtree asked for it). Idempotent. */
    static synchronized void enableTracing() {
        if (!tracingEnabled) {
            tracingEnabled = true;
            ANY_TRACING.setTarget(java.lang.invoke.MethodHandles.constant(boolean.class, true));
            java.lang.invoke.MutableCallSite.syncAll(new java.lang.invoke.MutableCallSite[] {ANY_TRACING});
        }
    }

    final long traceIdHigh;
    final long traceIdLow;
    final long spanId;
    final long parentId;
    /** The exporter's handle, or null. */
    final Object exported;
    private final SpanExporter exporter;
    /** The JFR event being timed, or null when no recording takes troupe.Span. */
    private final TroupeEvents.SpanEvent event;
    private final String path;
    private final String messageType;

    private TraceSpan(TraceSpan parent, SpanExporter exporter, String path, String messageType) {
        final ThreadLocalRandom r = ThreadLocalRandom.current();
        if (parent == null) {
            this.traceIdHigh = r.nextLong();
            this.traceIdLow = nonZero(r.nextLong());
            this.parentId = 0;
        } else {
            this.traceIdHigh = parent.traceIdHigh;
            this.traceIdLow = parent.traceIdLow;
            this.parentId = parent.spanId;
        }
        this.spanId = nonZero(r.nextLong());
        this.exporter = exporter;
        this.path = path;
        this.messageType = messageType;
        Object handle = null;
        if (exporter != null) {
            try {
                handle = exporter.onStart(parent == null ? null : parent.exported, path, messageType);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "span exporter failed in onStart", e);
            }
        }
        this.exported = handle;
        if (TroupeEvents.SPAN_PROBE.isEnabled()) {
            event = new TroupeEvents.SpanEvent();
            event.begin();
        } else {
            event = null;
        }
    }

    private static long nonZero(long v) {
        return v == 0 ? 1 : v;
    }

    /** Starts the span of {@code message} handled by {@code cell}, child of {@code parent} (or a root). */
    static TraceSpan start(TraceSpan parent, ActorCell<?> cell, Object message) {
        return new TraceSpan(parent, cell.system.spanExporter(), cell.path(), TroupeEvents.typeOf(message));
    }

    /** Ends it: commits the JFR event and tells the exporter. Actor's thread. */
    void end(Throwable failure) {
        final TroupeEvents.SpanEvent e = event;
        if (e != null) {
            e.end();
            if (e.shouldCommit()) {
                e.traceIdHigh = traceIdHigh;
                e.traceIdLow = traceIdLow;
                e.spanId = spanId;
                e.parentSpanId = parentId;
                e.path = path;
                e.messageType = messageType;
                e.failureClass = failure == null ? null : failure.getClass().getName();
                e.commit();
            }
        }
        if (exporter != null) {
            try {
                exporter.onEnd(exported, failure);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "span exporter failed in onEnd", ex);
            }
        }
    }

    /** The span of the handler running on this thread, or null. */
    static TraceSpan current() {
        final ActivationProbe probe = ActivationProbe.current();
        return probe == null ? null : (TraceSpan) probe.span();
    }

    /** The current span if any tracing is on, else null without looking: for timers and pipeToSelf. */
    static TraceSpan currentIfTracing() {
        return anyTracing() ? current() : null;
    }

    @Override
    public String toString() {
        return "TraceSpan[" + Long.toHexString(traceIdHigh) + Long.toHexString(traceIdLow) + "/" + Long.toHexString(spanId)
                + " <- " + Long.toHexString(parentId) + " " + path + " " + messageType + "]";
    }
}
