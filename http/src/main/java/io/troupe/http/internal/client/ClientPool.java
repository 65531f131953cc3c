package io.troupe.http.internal.client;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.SpawnOptions;
import io.troupe.http.HttpClientOptions;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.io.Tls;
import io.troupe.io.TlsSettings;
import io.troupe.services.OverloadedException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The connections of one HTTP client: a bounded pool per {@link Origin}, with the requests that
 * wait for a connection. Thread safe: any thread submits; connection stages report back from
 * their turns.
 */
public final class ClientPool {
    /*
     * Threading protocol. Each OriginPool's state (idle stages, waiting exchanges, the count of
     * open stages) is guarded by the OriginPool's monitor, held only for a few field updates: no
     * I/O, no user code and no stage call runs under it. A stage is handed to a request only by
     * taking it out of `idle` under the monitor, so an idle connection goes to at most one
     * request, and eviction (also a removal from `idle`) and hand-out exclude each other.
     *
     * Invariants (per origin, under the monitor).
     *  1. open = stages connecting + connected and not yet closed;  open <= maxConnectionsPerOrigin.
     *  2. idle is a subset of the open stages that run no exchange.
     *  3. waiters is non-empty only while open == max (or the client is closing).
     *  4. Each stage calls stageClosed exactly once (from onClosed or onConnectFailed).
     *  5. exchange.waiting <=> the exchange is in its origin's waiters. A waiting exchange leaves
     *     the queue exactly once: handed to a connection (released, stageClosed), or taken out
     *     by its deadline (expire), by its caller's cancel (leave) or by close().
     *
     * Waiting has the request deadline too. An exchange that must wait is watched by the pool's
     * wait timer (a system actor, spawned on the first wait, whose timers run on the actor
     * system's clock): at the exchange's deadline the timer takes it out of the queue, if it is
     * still there, and fails it with TimeoutException. Once the exchange's stage completes (in
     * any way) it leaves the queue if it is still in it and its timer is cancelled. So nothing
     * waits past its deadline and nothing stays queued for a caller who is gone. Once handed to a
     * connection, the stage's own request timer runs to the same deadline.
     *
     * Memory ordering. A stage's fields set in its turn before released() are visible to the
     * thread that takes it from idle (the monitor); the exchange handed to it travels through the
     * stage's AtomicReference and Connection.execute (a mailbox hand-off).
     *
     * Shutdown. close(): no new requests; waiters fail; idle connections close; busy ones close
     * when their exchange ends (released() answers null and the stage sees `closed`).
     */
    private final ActorSystem system;
    private final HttpClientOptions options;
    private final TlsSettings tls;
    private final ConcurrentHashMap<Origin, OriginPool> pools = new ConcurrentHashMap<>();
    private final AtomicLong connectionsOpened = new AtomicLong();
    private final AtomicLong peakBufferedBodyBytes = new AtomicLong();
    private volatile boolean closed;
    /** Fails waiting exchanges at their deadline; spawned on the first wait (see the overview). */
    private volatile ActorRef<WaitTimer.Msg> waitTimer;
    private static final AtomicLong WAIT_TIMERS = new AtomicLong();

    /**
     * A pool.
     *
     * @param system the actor system the connections run in
     * @param options the client's options
     * @param tls the TLS settings for https origins (ALPN http/1.1 already set)
     */
    public ClientPool(ActorSystem system, HttpClientOptions options, TlsSettings tls) {
        this.system = system;
        this.options = options;
        this.tls = tls;
    }

    /**
     * The actor system.
     *
     * @return the system
     */
    public ActorSystem system() {
        return system;
    }

    /**
     * Sends {@code exchange} on a pooled connection, a new one, or after a waiting turn. Any thread.
     *
     * @param exchange the exchange
     */
    public void submit(ClientExchange exchange) {
        pools.computeIfAbsent(exchange.origin, OriginPool::new).acquire(exchange);
    }

    /** A try that failed before anything useful happened: again, up to three times. */
    boolean retry(ClientExchange exchange) {
        if (closed || exchange.attempts >= 3 || exchange.result.isDone()) {
            return false;
        }
        exchange.attempts++;
        submit(exchange);
        return true;
    }

    HttpClientOptions options() {
        return options;
    }

    boolean isClosed() {
        return closed;
    }

    void recordBuffered(long bytes) {
        peakBufferedBodyBytes.accumulateAndGet(bytes, Math::max);
    }

    /**
     * Connections open or opening, all origins. Any thread; a snapshot.
     *
     * @return the count
     */
    public int openConnections() {
        int n = 0;
        for (OriginPool p : pools.values()) {
            synchronized (p) {
                n += p.open;
            }
        }
        return n;
    }

    /**
     * Idle pooled connections, all origins.
     *
     * @return the count
     */
    public int idleConnections() {
        int n = 0;
        for (OriginPool p : pools.values()) {
            synchronized (p) {
                n += p.idle.size();
            }
        }
        return n;
    }

    /**
     * Requests waiting for a connection, all origins.
     *
     * @return the count
     */
    public int waitingRequests() {
        int n = 0;
        for (OriginPool p : pools.values()) {
            synchronized (p) {
                n += p.waiters.size();
            }
        }
        return n;
    }

    /**
     * Connections opened since the start.
     *
     * @return the count
     */
    public long connectionsOpened() {
        return connectionsOpened.get();
    }

    /**
     * The most response body bytes a connection has held, read from the socket but not yet
     * asked for by the body's subscriber.
     *
     * @return bytes
     */
    public long peakBufferedBodyBytes() {
        return peakBufferedBodyBytes.get();
    }

    /** Refuses new requests, fails the waiting ones, closes the idle connections. Any thread. */
    public void close() {
        closed = true;
        for (OriginPool p : pools.values()) {
            final List<ClientExchange> failed;
            final List<Http1ClientStage> idle;
            synchronized (p) {
                failed = new ArrayList<>(p.waiters);
                for (ClientExchange e : failed) {
                    e.waiting = false;
                }
                p.waiters.clear();
                idle = new ArrayList<>(p.idle);
                p.idle.clear();
            }
            for (ClientExchange e : failed) {
                e.result.completeExceptionally(new IllegalStateException("the HTTP client was closed"));
            }
            for (Http1ClientStage s : idle) {
                s.closeFromOutside();
            }
        }
        final ActorRef<WaitTimer.Msg> timer = waitTimer;
        if (timer != null) {
            system.stop(timer);
        }
    }

    /** After {@code e} entered the waiting queue (outside the lock): arms its deadline, and its leaving on completion. */
    private void watchWaiter(OriginPool pool, ClientExchange e) {
        final long delayNanos = e.deadlineNanos - system.clock().nanoTime();
        if (delayNanos <= 0) {
            pool.expire(e);
            return;
        }
        final ActorRef<WaitTimer.Msg> timer;
        try {
            timer = waitTimer();
        } catch (IllegalStateException systemClosed) {
            pool.leave(e);
            e.result.completeExceptionally(systemClosed);
            return;
        }
        timer.send(new WaitTimer.Watch(pool, e, Duration.ofNanos(delayNanos))); // lossless: a lost watch would let it wait on
        e.result.whenComplete((r, t) -> {
            pool.leave(e);
            timer.tell(new WaitTimer.Unwatch(e));
        });
    }

    private ActorRef<WaitTimer.Msg> waitTimer() {
        ActorRef<WaitTimer.Msg> t = waitTimer;
        if (t == null) {
            synchronized (this) {
                t = waitTimer;
                if (t == null) {
                    t = system.spawnSystemActor(WaitTimer::new,
                            SpawnOptions.named("http-client-waits-" + WAIT_TIMERS.incrementAndGet()));
                    waitTimer = t;
                }
            }
        }
        return t;
    }

    /**
     * The pool's wait timer: one keyed timer per waiting exchange, on the actor system's clock.
     * An actor, so confined to its own turns; the pools it calls lock themselves.
     */
    static final class WaitTimer extends Actor<WaitTimer.Msg> {
        sealed interface Msg {}

        /** Fail {@code exchange} after {@code delay} if it is still waiting in {@code pool}. */
        record Watch(OriginPool pool, ClientExchange exchange, Duration delay) implements Msg {}

        /** {@code exchange} is done: forget its timer. */
        record Unwatch(ClientExchange exchange) implements Msg {}

        /** The deadline of {@code exchange} has come. */
        record Expired(OriginPool pool, ClientExchange exchange) implements Msg {}

        @Override
        protected void receive(Msg message) {
            if (message instanceof Watch w) {
                if (!w.exchange().result.isDone()) {
                    context().timers().startSingleTimer(w.exchange(), new Expired(w.pool(), w.exchange()), w.delay());
                }
            } else if (message instanceof Unwatch u) {
                context().timers().cancel(u.exchange());
            } else if (message instanceof Expired x) {
                x.pool().expire(x.exchange());
            }
        }
    }

    private void connect(OriginPool pool, ClientExchange first) {
        final Http1ClientStage stage = new Http1ClientStage(this, pool, first);
        connectionsOpened.incrementAndGet();
        final Origin o = pool.origin;
        final ConnectionStage outer = o.https() ? Tls.client(tls, o.host(), stage) : stage;
        try {
            Tcp.connect(system, InetSocketAddress.createUnresolved(o.host(), o.port()), options.tcp(),
                    options.connectTimeout(), outer);
        } catch (RuntimeException e) {
            stage.onConnectFailed(null, e);
        }
    }

    /** The pool of one origin. */
    final class OriginPool {
        final Origin origin;
        // guarded by this
        final ArrayDeque<Http1ClientStage> idle = new ArrayDeque<>();
        final ArrayDeque<ClientExchange> waiters = new ArrayDeque<>();
        int open;

        OriginPool(Origin origin) {
            this.origin = origin;
        }

        void acquire(ClientExchange exchange) {
            Http1ClientStage stage = null;
            boolean connect = false;
            boolean queued = false;
            RuntimeException reject = null;
            synchronized (this) {
                if (closed) {
                    reject = new IllegalStateException("the HTTP client is closed");
                } else if ((stage = idle.pollLast()) != null) {
                    // most recently used first: the freshest connection, the others age out
                } else if (open < options.maxConnectionsPerOrigin()) {
                    open++;
                    connect = true;
                } else if (waiters.size() < options.maxWaitingRequestsPerOrigin()) {
                    waiters.add(exchange);
                    exchange.waiting = true;
                    queued = true;
                } else {
                    reject = new OverloadedException("the HTTP client has " + open + " connections to " + origin
                            + " busy and " + waiters.size() + " requests waiting (the bound)");
                }
            }
            if (reject != null) {
                exchange.result.completeExceptionally(reject);
            } else if (stage != null) {
                stage.dispatch(exchange);
            } else if (connect) {
                connect(this, exchange);
            } else if (queued) {
                watchWaiter(this, exchange);
            }
        }

        /** Takes the next waiting exchange out of the queue; under the monitor. */
        private ClientExchange pollWaiter() {
            final ClientExchange next = waiters.poll();
            if (next != null) {
                next.waiting = false;
            }
            return next;
        }

        /** Its deadline has come: out of the queue and failed, if it is still waiting. Any thread. */
        void expire(ClientExchange exchange) {
            if (leave(exchange)) {
                exchange.result.completeExceptionally(new TimeoutException("no connection to " + origin
                        + " was free within the " + options.requestTimeout().toMillis() + " ms request timeout"));
            }
        }

        /** Takes {@code exchange} out of the queue if it is still waiting; true if it was. Any thread. */
        synchronized boolean leave(ClientExchange exchange) {
            if (!exchange.waiting) {
                return false;
            }
            exchange.waiting = false;
            waiters.remove(exchange);
            return true;
        }

        /** From a stage's turn: it is free and may be reused. The next exchange for it, or null (it is idle now, or must close). */
        synchronized ClientExchange released(Http1ClientStage stage) {
            if (closed) {
                return null;
            }
            final ClientExchange next = pollWaiter();
            if (next == null) {
                idle.addLast(stage);
            }
            return next;
        }

        /** From a stage's turn: takes it out of the idle set if it is there (then nobody else will use it). */
        synchronized boolean evictIdle(Http1ClientStage stage) {
            return idle.remove(stage);
        }

        /** From a stage's turn, once: its connection is gone (or never came). */
        void stageClosed(Http1ClientStage stage) {
            ClientExchange next = null;
            synchronized (this) {
                open--;
                idle.remove(stage);
                if (!closed && !waiters.isEmpty() && open < options.maxConnectionsPerOrigin()) {
                    open++;
                    next = pollWaiter();
                }
            }
            if (next != null) {
                connect(this, next);
            }
        }
    }
}
