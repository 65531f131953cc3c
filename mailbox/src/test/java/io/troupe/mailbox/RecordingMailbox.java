package io.troupe.mailbox;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A mailbox for tests that records what its hooks see: how often the consumer would have been
 * scheduled, which messages overflowed and which were refused because it was closed. The
 * hooks may run on any producer thread, so everything is recorded in concurrent collections.
 */
final class RecordingMailbox<E> extends BoundedMailbox<E> {
    /** How many times onSchedule ran: once per idle-to-scheduled transition. */
    final AtomicInteger scheduleSignals = new AtomicInteger();
    final ConcurrentLinkedQueue<E> overflowed = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<E> closed = new ConcurrentLinkedQueue<>();

    RecordingMailbox(int capacity, OverflowPolicy policy) {
        super(capacity, policy);
    }

    @Override
    protected void onSchedule() {
        scheduleSignals.incrementAndGet();
    }

    @Override
    protected void onOverflow(E dropped) {
        overflowed.add(dropped);
    }

    @Override
    protected void onClosed(E undelivered) {
        closed.add(undelivered);
    }

    /** Consumer side: polls everything queued (each poll frees its slot). */
    List<E> pollAll() {
        final List<E> out = new ArrayList<>();
        for (E e = poll(); e != null; e = poll()) {
            out.add(e);
        }
        return out;
    }

    /** A system message with a label, to check order and identity. */
    static final class Sys extends SystemMessage {
        final String label;

        Sys(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** The labels of a list linked by {@link SystemMessage#next()}, in list order. */
    static List<String> labels(SystemMessage head) {
        final List<String> out = new ArrayList<>();
        for (SystemMessage m = head; m != null; m = m.next()) {
            out.add(((Sys) m).label);
        }
        return out;
    }
}
