package io.troupe.examples.redis;

import io.troupe.timers.Clock;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.PriorityQueue;

/**
 * Step 3, the data: one shard's keys, values and deadlines, and the commands on them. Plain
 * single-threaded code with no actor in sight, so it can be read (and tested) on its own; a
 * {@link Shard} actor owns one and is the only one to touch it. NOT thread safe.
 *
 * <p>Values are byte arrays, never changed once stored (SET and INCR store new arrays), so a
 * GET's reply can refer to the stored array instead of copying it.
 *
 * <p>Expiry is kept two ways, as Redis does: a key past its deadline is removed when it is
 * looked up (lazily), and the keys whose deadlines have come are removed by {@link #expireDue}
 * (actively), which the shard calls from a timer set to {@link #nextDeadline}. Deadlines are read
 * from the injected {@link Clock} (the actor system's, a {@code ManualClock} in tests), in
 * nanoseconds; a key is expired from its deadline on.
 */
final class Keyspace {
    /** "No deadline". */
    static final long NEVER = Long.MAX_VALUE;
    private static final long NANOS_PER_MILLI = 1_000_000L;

    /** A value and its deadline. */
    private static final class Entry {
        final byte[] value;
        long expiresAt;

        Entry(byte[] value, long expiresAt) {
            this.value = value;
            this.expiresAt = expiresAt;
        }
    }

    /** A deadline in the queue; stale once its entry is replaced or given another deadline. */
    private record Deadline(long at, Key key, Entry entry) {}

    private final Clock clock;
    private final HashMap<Key, Entry> entries = new HashMap<>();
    private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));

    Keyspace(Clock clock) {
        this.clock = clock;
    }

    /** Executes {@code r} (a command routed to shards) and sets its reply. */
    void execute(Request r) {
        switch (r.command) {
            case GET -> r.replyBulk(valueOf(new Key(r.args[1])));
            case SET -> set(r);
            case INCR -> incrBy(r, 1);
            case DECR -> incrBy(r, -1);
            case EXPIRE -> expire(r);
            case TTL -> ttl(r, false);
            case PTTL -> ttl(r, true);
            case DEL -> r.replyInteger(del(r.args));
            case EXISTS -> r.replyInteger(exists(r.args));
            case DBSIZE -> r.replyInteger(entries.size());
            case FLUSHALL, FLUSHDB -> flush(r);
            default -> throw new IllegalArgumentException("not a key-space command: " + r.command);
        }
    }

    // ---------------------------------------------------------------- lookups

    /** The live entry of {@code key}, removing it first if it has expired (lazy expiry). */
    private Entry lookup(Key key) {
        final Entry e = entries.get(key);
        if (e != null && e.expiresAt <= clock.nanoTime()) {
            entries.remove(key);
            return null;
        }
        return e;
    }

    private byte[] valueOf(Key key) {
        final Entry e = lookup(key);
        return e == null ? null : e.value;
    }

    private void store(Key key, byte[] value, long expiresAt) {
        final Entry e = new Entry(value, expiresAt);
        entries.put(key, e);
        if (expiresAt != NEVER) {
            addDeadline(key, e);
        }
    }

    // ---------------------------------------------------------------- SET key value [NX|XX] [EX s|PX ms|KEEPTTL]

    private void set(Request r) {
        final byte[][] a = r.args;
        boolean nx = false;
        boolean xx = false;
        boolean keepTtl = false;
        byte[] expireArg = null;
        long unitMillis = 0;
        for (int i = 3; i < a.length; i++) {
            final String option = r.arg(i).toUpperCase(java.util.Locale.ROOT);
            final boolean hasNext = i + 1 < a.length;
            if (option.equals("NX") && !xx) {
                nx = true;
            } else if (option.equals("XX") && !nx) {
                xx = true;
            } else if (option.equals("KEEPTTL") && expireArg == null) {
                keepTtl = true;
            } else if ((option.equals("EX") || option.equals("PX")) && !keepTtl && expireArg == null && hasNext) {
                unitMillis = option.equals("EX") ? 1000 : 1;
                expireArg = a[++i];
            } else {
                r.replyError("ERR syntax error");
                return;
            }
        }
        long expiresAt = NEVER;
        if (expireArg != null) {
            final long amount;
            try {
                amount = Numbers.parse(expireArg);
            } catch (NumberFormatException e) {
                r.replyError(Numbers.NOT_AN_INTEGER);
                return;
            }
            expiresAt = deadlineAfterMillis(amount, unitMillis);
            if (amount <= 0 || expiresAt == NEVER) {
                r.replyError("ERR invalid expire time in 'set' command");
                return;
            }
        }
        final Key key = new Key(a[1]);
        final Entry old = lookup(key);
        if ((nx && old != null) || (xx && old == null)) {
            r.replyBulk(null);
            return;
        }
        store(key, a[2], keepTtl && old != null ? old.expiresAt : expiresAt);
        r.replyOk();
    }

    /** now + amount * unitMillis, in clock nanoseconds; NEVER if that does not fit. */
    private long deadlineAfterMillis(long amount, long unitMillis) {
        try {
            final long nanos = Math.multiplyExact(Math.multiplyExact(amount, unitMillis), NANOS_PER_MILLI);
            final long at = Math.addExact(clock.nanoTime(), nanos);
            return at == NEVER ? NEVER : at;
        } catch (ArithmeticException overflow) {
            return NEVER;
        }
    }

    // ---------------------------------------------------------------- INCR, DECR

    private void incrBy(Request r, long delta) {
        final Key key = new Key(r.args[1]);
        final Entry old = lookup(key);
        long value = 0;
        if (old != null) {
            try {
                value = Numbers.parse(old.value);
            } catch (NumberFormatException e) {
                r.replyError(Numbers.NOT_AN_INTEGER);
                return;
            }
        }
        final long next;
        try {
            next = Math.addExact(value, delta);
        } catch (ArithmeticException e) {
            r.replyError("ERR increment or decrement would overflow");
            return;
        }
        store(key, Long.toString(next).getBytes(StandardCharsets.US_ASCII), old == null ? NEVER : old.expiresAt);
        r.replyInteger(next);
    }

    // ---------------------------------------------------------------- EXPIRE key seconds [NX|XX|GT|LT], TTL, PTTL

    private void expire(Request r) {
        boolean nx = false;
        boolean xx = false;
        boolean gt = false;
        boolean lt = false;
        for (int i = 3; i < r.args.length; i++) {
            final String option = r.arg(i).toUpperCase(java.util.Locale.ROOT);
            switch (option) {
                case "NX" -> nx = true;
                case "XX" -> xx = true;
                case "GT" -> gt = true;
                case "LT" -> lt = true;
                default -> {
                    r.replyError("ERR Unsupported option " + r.arg(i));
                    return;
                }
            }
        }
        if (nx && (xx || gt || lt)) {
            r.replyError("ERR NX and XX, GT or LT options at the same time are not compatible");
            return;
        }
        if (gt && lt) {
            r.replyError("ERR GT and LT options at the same time are not compatible");
            return;
        }
        final long seconds;
        try {
            seconds = Numbers.parse(r.args[2]);
        } catch (NumberFormatException e) {
            r.replyError(Numbers.NOT_AN_INTEGER);
            return;
        }
        final long now = clock.nanoTime();
        final long at;
        if (seconds <= 0) {
            at = now; // already expired: the key goes at once
        } else {
            at = deadlineAfterMillis(seconds, 1000);
            if (at == NEVER) {
                r.replyError("ERR invalid expire time in 'expire' command");
                return;
            }
        }
        final Key key = new Key(r.args[1]);
        final Entry e = lookup(key);
        if (e == null
                || (nx && e.expiresAt != NEVER)
                || (xx && e.expiresAt == NEVER)
                || (gt && (e.expiresAt == NEVER || at <= e.expiresAt))
                || (lt && e.expiresAt != NEVER && at >= e.expiresAt)) {
            r.replyInteger(0);
            return;
        }
        if (at <= now) {
            entries.remove(key);
        } else {
            e.expiresAt = at;
            addDeadline(key, e);
        }
        r.replyInteger(1);
    }

    private void ttl(Request r, boolean millis) {
        final Entry e = lookup(new Key(r.args[1]));
        if (e == null) {
            r.replyInteger(-2);
        } else if (e.expiresAt == NEVER) {
            r.replyInteger(-1);
        } else {
            // Milliseconds rounded up (Redis' clock has not ticked past the deadline's millisecond);
            // seconds rounded to nearest, as Redis rounds them.
            final long ms = (e.expiresAt - clock.nanoTime() + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI;
            r.replyInteger(millis ? ms : (ms + 500) / 1000);
        }
    }

    // ---------------------------------------------------------------- DEL, EXISTS, FLUSHALL (this shard's keys)

    private int del(byte[][] args) {
        int removed = 0;
        for (int i = 1; i < args.length; i++) {
            final Key key = new Key(args[i]);
            if (lookup(key) != null) {
                entries.remove(key);
                removed++;
            }
        }
        return removed;
    }

    private int exists(byte[][] args) {
        int found = 0;
        for (int i = 1; i < args.length; i++) {
            if (lookup(new Key(args[i])) != null) {
                found++;
            }
        }
        return found;
    }

    private void flush(Request r) {
        if (r.args.length > 2 || (r.args.length == 2 && !r.arg(1).equalsIgnoreCase("ASYNC") && !r.arg(1).equalsIgnoreCase("SYNC"))) {
            r.replyError("ERR syntax error");
            return;
        }
        entries.clear();
        deadlines.clear();
        r.replyOk();
    }

    // ---------------------------------------------------------------- active expiry

    private void addDeadline(Key key, Entry e) {
        deadlines.add(new Deadline(e.expiresAt, key, e));
        if (deadlines.size() > 64 + 2 * entries.size()) {
            compactDeadlines(); // rare: keys rewritten with new deadlines left stale ones behind
        }
    }

    private void compactDeadlines() {
        deadlines.clear();
        entries.forEach((k, e) -> {
            if (e.expiresAt != NEVER) {
                deadlines.add(new Deadline(e.expiresAt, k, e));
            }
        });
    }

    /**
     * The earliest deadline queued, or {@link #NEVER}; it may belong to a key since rewritten
     * (then the timer fires for nothing and is set again).
     */
    long nextDeadline() {
        final Deadline d = deadlines.peek();
        return d == null ? NEVER : d.at;
    }

    /**
     * Removes every key whose deadline has come.
     *
     * @return how many keys were removed
     */
    int expireDue() {
        final long now = clock.nanoTime();
        int removed = 0;
        for (Deadline d = deadlines.peek(); d != null && d.at <= now; d = deadlines.peek()) {
            deadlines.poll();
            if (d.entry.expiresAt == d.at && entries.get(d.key) == d.entry) { // not stale
                entries.remove(d.key);
                removed++;
            }
        }
        return removed;
    }

    /** How many keys are stored, expired or not (DBSIZE counts the same way). */
    int size() {
        return entries.size();
    }
}
