package io.troupe.services.internal;

import io.troupe.services.Balancer;
import io.troupe.services.NotReadyException;
import io.troupe.services.Service;
import io.troupe.services.Services;
import io.troupe.timers.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.IntUnaryOperator;

/** Power-of-two-choices balancing; see {@link Balancer}. Thread safe. */
public final class P2cBalancer<K, Req, Res> implements Balancer<K, Req, Res> {
    /*
     * Threading protocol. Any thread calls, adds, removes. The endpoints are an immutable array
     * in a volatile field, replaced (copy on write) under this object's monitor by add/remove;
     * a call reads it once. Each endpoint's `outstanding` is an AtomicInteger; its peak-EWMA
     * state (cost, stamp) is updated under the endpoint's monitor on completion and read racily
     * (a volatile double) for choices.
     * Invariants. outstanding = calls sent to the endpoint and not completed (>= 0).
     * Memory ordering. Volatile array publication; AtomicInteger.
     * References. Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing" (2001);
     * Tower's balance::p2c and load::peak_ewma; Finagle's P2CPeakEwma.
     */
    private final Load load;
    private final Clock clock;
    private final long decayNanos;
    private final IntUnaryOperator random;
    private volatile Endpoint<K, Req, Res>[] endpoints;
    private final NotReadyException none = new NotReadyException("the balancer has no endpoints");

    @SuppressWarnings("unchecked")
    public P2cBalancer(Load load, Clock clock, Duration decay, IntUnaryOperator random) {
        this.load = Objects.requireNonNull(load, "load");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.decayNanos = Checks.positive(decay, "decay").toNanos();
        this.random = random;
        this.endpoints = new Endpoint[0];
    }

    /** One endpoint and its load. */
    static final class Endpoint<K, Req, Res> {
        final K key;
        final Service<Req, Res> service;
        final AtomicInteger outstanding = new AtomicInteger();
        /** Peak-EWMA latency estimate, in nanoseconds; written under the monitor. */
        volatile double costNanos;
        long stampNanos;

        Endpoint(K key, Service<Req, Res> service, long now) {
            this.key = key;
            this.service = service;
            this.stampNanos = now;
        }

        synchronized void observe(long rttNanos, long now, long decayNanos) {
            final double cost = costNanos;
            if (rttNanos > cost) {
                costNanos = rttNanos; // peak: jump up at once
            } else {
                final double w = Math.exp(-(double) Math.max(0, now - stampNanos) / decayNanos);
                costNanos = cost * w + rttNanos * (1 - w);
            }
            stampNanos = now;
        }
    }

    @Override
    public synchronized void add(K key, Service<Req, Res> endpoint) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(endpoint, "endpoint");
        final Endpoint<K, Req, Res>[] cur = endpoints;
        final Endpoint<K, Req, Res> e = new Endpoint<>(key, endpoint, clock.nanoTime());
        for (int i = 0; i < cur.length; i++) {
            if (cur[i].key.equals(key)) {
                final Endpoint<K, Req, Res>[] next = cur.clone();
                next[i] = e;
                endpoints = next;
                return;
            }
        }
        final Endpoint<K, Req, Res>[] next = java.util.Arrays.copyOf(cur, cur.length + 1);
        next[cur.length] = e;
        endpoints = next;
    }

    @Override
    public synchronized boolean remove(K key) {
        final Endpoint<K, Req, Res>[] cur = endpoints;
        for (int i = 0; i < cur.length; i++) {
            if (cur[i].key.equals(key)) {
                @SuppressWarnings("unchecked")
                final Endpoint<K, Req, Res>[] next = new Endpoint[cur.length - 1];
                System.arraycopy(cur, 0, next, 0, i);
                System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
                endpoints = next;
                return true;
            }
        }
        return false;
    }

    @Override
    public List<K> endpoints() {
        final List<K> keys = new ArrayList<>();
        for (Endpoint<K, Req, Res> e : endpoints) {
            keys.add(e.key);
        }
        return keys;
    }

    @Override
    public int outstanding(K key) {
        for (Endpoint<K, Req, Res> e : endpoints) {
            if (e.key.equals(key)) {
                return e.outstanding.get();
            }
        }
        return -1;
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        final Endpoint<K, Req, Res> e = choose(endpoints);
        if (e == null) {
            return CompletableFuture.failedFuture(none);
        }
        e.outstanding.incrementAndGet();
        final long start = clock.nanoTime();
        final CompletionStage<Res> stage = Calls.call(e.service, request);
        final CompletableFuture<Res> f = Calls.doneNow(stage);
        if (f != null) {
            done(e, start);
            return stage;
        }
        stage.whenComplete(new Completion<>(this, e, start));
        return stage;
    }

    private void done(Endpoint<K, Req, Res> e, long start) {
        if (load == Load.PEAK_EWMA) {
            final long now = clock.nanoTime();
            e.observe(now - start, now, decayNanos);
        }
        e.outstanding.decrementAndGet();
    }

    /** Two random distinct endpoints; the ready one, or the less loaded one. */
    Endpoint<K, Req, Res> choose(Endpoint<K, Req, Res>[] all) {
        final int n = all.length;
        if (n <= 1) {
            return n == 0 ? null : all[0];
        }
        final int i = random.applyAsInt(n);
        int j = random.applyAsInt(n - 1);
        if (j >= i) {
            j++;
        }
        final Endpoint<K, Req, Res> a = all[i];
        final Endpoint<K, Req, Res> b = all[j];
        final boolean aReady = a.service.isReady();
        if (aReady != b.service.isReady()) {
            return aReady ? a : b;
        }
        return cost(a) <= cost(b) ? a : b;
    }

    private double cost(Endpoint<K, Req, Res> e) {
        final int outstanding = e.outstanding.get();
        return load == Load.OUTSTANDING ? outstanding : (e.costNanos + 1) * (outstanding + 1);
    }

    /** A random index generator on ThreadLocalRandom. */
    public static IntUnaryOperator threadLocalRandom() {
        return bound -> ThreadLocalRandom.current().nextInt(bound);
    }

    @Override
    public boolean isReady() {
        for (Endpoint<K, Req, Res> e : endpoints) {
            if (e.service.isReady()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public CompletionStage<Void> ready() {
        final Endpoint<K, Req, Res>[] all = endpoints;
        if (all.length == 0 || isReady()) {
            return Services.readyNow(); // with no endpoint, a call fails at once rather than waiting
        }
        final CompletableFuture<?>[] stages = new CompletableFuture<?>[all.length];
        for (int i = 0; i < all.length; i++) {
            stages[i] = all[i].service.ready().toCompletableFuture();
        }
        return CompletableFuture.anyOf(stages).thenApply(ignored -> null);
    }

    @Override
    public String toString() {
        return "Balance[" + load + ", " + endpoints.length + " endpoints]";
    }

    /** Gives back an endpoint's outstanding count when its call completes. */
    private static final class Completion<K, Req, Res> implements BiConsumer<Res, Throwable> {
        private final P2cBalancer<K, Req, Res> owner;
        private final Endpoint<K, Req, Res> endpoint;
        private final long start;

        Completion(P2cBalancer<K, Req, Res> owner, Endpoint<K, Req, Res> endpoint, long start) {
            this.owner = owner;
            this.endpoint = endpoint;
            this.start = start;
        }

        @Override
        public void accept(Res value, Throwable failure) {
            owner.done(endpoint, start);
        }
    }
}
