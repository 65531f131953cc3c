package io.troupe.services;

import io.troupe.services.internal.Checks;
import io.troupe.timers.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Limits retries to a fraction of recent requests (Finagle's and Tower's retry budget), so that a
 * failing backend is not hammered by every client's retries: over the last {@code ttl}, retries
 * may number at most {@code minRetriesPerSecond * ttl + retryRatio * requests}. Thread safe and
 * lock-free; share one budget between the services that call the same backend.
 *
 * <p>Cost: {@link #deposit()} is one compare-and-set and one volatile read, and reads the clock
 * only once every {@value #REFRESH} deposits into a slot (a clock reading costs 20 to 300 ns
 * depending on the machine's clock source); {@link #tryWithdraw()} reads the clock, reads
 * {@value #SLOTS} slots twice and does one compare-and-set. Under contention the check and the
 * withdrawal are not one atomic step, so concurrent withdrawers may overdraw by at most their
 * number. Deposits between two clock readings are counted in the slot of the older reading, so
 * at low request rates some deposits expire early: the budget then errs towards fewer retries,
 * never more.
 */
public final class RetryBudget {
    /*
     * Threading protocol. Any thread deposits and withdraws. Time is cut into epochs of ttl/SLOTS;
     * each of the two arrays (requests, retries) holds one packed word per slot: the epoch it
     * counts (high 32 bits, mod 2^32) and its count (low 32 bits). A slot whose epoch is older
     * than SLOTS epochs counts as zero and is reset by the next add.
     * `cachedEpoch` is the epoch of the latest clock reading (by tryWithdraw, available, or
     * every REFRESH-th deposit into a slot); deposits use it instead of reading the clock.
     * Invariants. sum over the window of retries <= allowance + concurrent withdrawers.
     * cachedEpoch <= the current epoch, so a deposit never counts in the future.
     * Memory ordering. AtomicLongArray's volatile semantics.
     * References. Finagle RetryBudget (TokenRetryBudget), Tower retry::budget::TpsBudget.
     */
    static final int SLOTS = 10;
    static final int REFRESH = 16;
    private static final long EPOCH_MASK = 0xffff_ffffL;

    private final Clock clock;
    private final long slotNanos;
    private final double retryRatio;
    private final long minRetries;
    private final AtomicLongArray requests = new AtomicLongArray(SLOTS);
    private final AtomicLongArray retries = new AtomicLongArray(SLOTS);
    private volatile long cachedEpoch;

    private RetryBudget(Clock clock, Duration ttl, int minRetriesPerSecond, double retryRatio) {
        this.clock = Objects.requireNonNull(clock, "clock");
        Checks.positive(ttl, "ttl");
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("ttl must be between 1 s and 60 s, was " + ttl);
        }
        Checks.notNegative(minRetriesPerSecond, "minRetriesPerSecond");
        this.retryRatio = Checks.between(retryRatio, 0.0, 1000.0, "retryRatio");
        this.slotNanos = ttl.toNanos() / SLOTS;
        this.minRetries = (long) minRetriesPerSecond * ttl.toSeconds();
        epoch();
    }

    /**
     * Creates a budget.
     *
     * @param clock the clock the window is measured on
     * @param ttl how far back requests and retries count; between 1 s and 60 s
     * @param minRetriesPerSecond retries allowed even with no requests (so that a quiet client can
     *     still retry); zero or more
     * @param retryRatio extra retries allowed per request, for example 0.2 for 20%; between 0 and 1000
     * @return a new budget
     * @throws IllegalArgumentException naming the parameter that is out of range
     */
    public static RetryBudget create(Clock clock, Duration ttl, int minRetriesPerSecond, double retryRatio) {
        return new RetryBudget(clock, ttl, minRetriesPerSecond, retryRatio);
    }

    /**
     * Creates Finagle's default budget: 10 s window, 10 retries per second, 20% of requests.
     *
     * @param clock the clock the window is measured on
     * @return a new budget
     */
    public static RetryBudget defaults(Clock clock) {
        return new RetryBudget(clock, Duration.ofSeconds(10), 10, 0.2);
    }

    /** Records a request (a first attempt). Any thread; one compare-and-set, rarely a clock reading. */
    public void deposit() {
        final long count = add(requests, cachedEpoch);
        if (count % REFRESH == 0) {
            epoch(); // rare: a clock reading, kept out of the common path
        }
    }

    /**
     * Takes one retry from the budget if it allows one. Any thread.
     *
     * @return {@code true} if the retry may be made (and is now counted)
     */
    public boolean tryWithdraw() {
        final long epoch = epoch();
        final double allowance = minRetries + retryRatio * sum(requests, epoch);
        if (sum(retries, epoch) + 1 > allowance) {
            return false;
        }
        add(retries, epoch);
        return true;
    }

    /**
     * How many retries the budget would allow now. Any thread; for monitoring and tests.
     *
     * @return the whole number of retries left in the window
     */
    public long available() {
        final long epoch = epoch();
        return Math.max(0, (long) Math.floor(minRetries + retryRatio * sum(requests, epoch)) - sum(retries, epoch));
    }

    /** Reads the clock; publishes the epoch for later deposits. */
    private long epoch() {
        final long epoch = Math.floorDiv(clock.nanoTime(), slotNanos) & EPOCH_MASK;
        cachedEpoch = epoch;
        return epoch;
    }

    /** Adds one to the slot of {@code epoch}; returns the slot's new count. */
    private static long add(AtomicLongArray slots, long epoch) {
        final int i = (int) (epoch % SLOTS);
        for (;;) {
            final long cur = slots.get(i);
            final long next = (cur >>> 32) == epoch ? cur + 1 : (epoch << 32) | 1;
            if (slots.compareAndSet(i, cur, next)) {
                return next & EPOCH_MASK;
            }
        }
    }

    private static long sum(AtomicLongArray slots, long epoch) {
        long total = 0;
        for (int i = 0; i < SLOTS; i++) {
            final long cur = slots.get(i);
            final long age = (epoch - (cur >>> 32)) & EPOCH_MASK;
            if (age < SLOTS) {
                total += cur & EPOCH_MASK;
            }
        }
        return total;
    }

    @Override
    public String toString() {
        return "RetryBudget[available=" + available() + "]";
    }
}
