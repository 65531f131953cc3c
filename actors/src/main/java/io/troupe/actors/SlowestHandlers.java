package io.troupe.actors;

import io.troupe.actors.internal.ActivationProbe;
import io.troupe.actors.internal.jfr.TroupeEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The slowest handler runs the slow-handler watchdog has seen (issue 15: the console's "slowest
 * handlers"), at most {@link #CAPACITY}. Fed by the watchdog's scans, so it costs nothing per
 * message; it sees only runs that last longer than one scan (half the slow-handler threshold).
 * Thread safe.
 */
final class SlowestHandlers {
    /*
     * Threading protocol: onScan from the watchdog (one timer thread), snapshot from any thread;
     * both under this object's monitor (a handful of entries; onScan runs once per scan for each
     * worker whose handler spans the scan, which is rare in a healthy system).
     * Invariants: at most CAPACITY runs; a run is one handler call, identified by its worker's
     * probe, the probe's handled count when it started and the cell; `nanos` only grows.
     * Memory ordering: the monitor.
     * Shutdown: nothing to release.
     */
    /** How many runs are kept. */
    static final int CAPACITY = 10;

    private final ArrayList<Run> runs = new ArrayList<>(CAPACITY);

    /** One handler run. */
    private static final class Run {
        final ActivationProbe probe;
        final long handled;
        final Object cell;
        final String path;
        final String messageType;
        long nanos;

        Run(ActivationProbe probe, long handled, ActorCell<?> cell, String messageType, long nanos) {
            this.probe = probe;
            this.handled = handled;
            this.cell = cell;
            this.path = cell.path();
            this.messageType = messageType;
            this.nanos = nanos;
        }
    }

    /**
     * Watchdog: {@code cell}'s handler on {@code probe}'s worker, the one that started after
     * {@code handled} messages, has run {@code elapsedNanos} so far.
     */
    synchronized void onScan(ActivationProbe probe, long handled, ActorCell<?> cell, long elapsedNanos) {
        Run fastest = null;
        for (Run r : runs) {
            if (r.probe == probe && r.handled == handled && r.cell == cell) {
                r.nanos = Math.max(r.nanos, elapsedNanos);
                return;
            }
            if (fastest == null || r.nanos < fastest.nanos) {
                fastest = r;
            }
        }
        if (runs.size() < CAPACITY || elapsedNanos > fastest.nanos) {
            if (runs.size() >= CAPACITY) {
                runs.remove(fastest);
            }
            final Class<?> m = cell.lvMessageType();
            runs.add(new Run(probe, handled, cell, m == null ? null : m.getName(), elapsedNanos));
        }
    }

    /** The runs kept, slowest first. Any thread. */
    synchronized List<ActorDump.SlowHandler> snapshot() {
        final List<ActorDump.SlowHandler> out = new ArrayList<>(runs.size());
        for (Run r : runs) {
            final boolean running = r.probe.lvHandled() == r.handled && r.probe.lvCurrent() == r.cell;
            out.add(new ActorDump.SlowHandler(r.path, r.messageType, Duration.ofNanos(r.nanos), running));
        }
        out.sort(Comparator.comparing(ActorDump.SlowHandler::duration).reversed());
        return List.copyOf(out);
    }
}
