package io.troupe.supervision;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A list of events that actors append to and tests wait on with bounded waits (no sleeps). Thread safe. */
final class Recorder {
    private final ArrayList<String> events = new ArrayList<>();

    synchronized void add(String event) {
        events.add(event);
        notifyAll();
    }

    synchronized List<String> snapshot() {
        return List.copyOf(events);
    }

    synchronized void clear() {
        events.clear();
    }

    synchronized int count(String event) {
        int n = 0;
        for (String e : events) {
            if (e.equals(event)) {
                n++;
            }
        }
        return n;
    }

    /** Waits until at least {@code n} events were recorded; returns them. */
    List<String> awaitSize(int n, Duration timeout) {
        return await(l -> l.size() >= n, "at least " + n + " events", timeout);
    }

    /** Waits until {@code event} was recorded {@code times} times. */
    List<String> awaitCount(String event, int times, Duration timeout) {
        return await(l -> l.stream().filter(event::equals).count() >= times, times + " x " + event, timeout);
    }

    synchronized List<String> await(Predicate<List<String>> condition, String what, Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test(events)) {
            final long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("timed out waiting for " + what + "; events: " + events);
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        return List.copyOf(events);
    }
}
