package io.troupe.http.internal.h2;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.io.Connection;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A connection for driving a stage by hand on the test's thread (as the HTTP/1.1 tests'
 * FakeConnection): writes are collected, execute() actions and timers wait until the test runs
 * them, write acks are handed back only when the test says the socket took the bytes. Not thread
 * safe except execute().
 */
final class H2FakeConnection implements Connection {
    final ActorSystem system;
    final ConnectionStage stage;
    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    final Map<Object, Runnable> timers = new LinkedHashMap<>();
    private final List<Object> unacked = new ArrayList<>();
    boolean closeRequested;
    boolean aborted;
    boolean closedTold;
    /** Bytes "in the write queue": what was written since the last drain(). */
    int queued;
    /** Writing counts as paused from this many queued bytes (the real queue's high watermark). */
    int highWatermark = 512 * 1024;

    H2FakeConnection(ActorSystem system, ConnectionStage stage) {
        this.system = system;
        this.stage = stage;
        stage.onConnected(this);
    }

    /** Feeds bytes as one read, then runs the actions it queued. */
    void read(byte[] bytes) {
        final ByteBuffer b = ByteBuffer.allocateDirect(bytes.length);
        b.put(bytes).flip();
        stage.onReceived(this, b);
        runTasks();
    }

    /** Runs queued execute() actions until none is left. */
    void runTasks() {
        while (true) {
            final Runnable r;
            synchronized (tasks) {
                r = tasks.poll();
            }
            if (r == null) {
                return;
            }
            if (!closedTold) {
                r.run();
            }
        }
    }

    /** The socket took everything: acks for every token, the queue empty, then onWritingResumed. */
    void drain() {
        final List<Object> acks = new ArrayList<>(unacked);
        unacked.clear();
        queued = 0;
        for (Object token : acks) {
            stage.onAck(this, token);
        }
        stage.onWritingResumed(this);
        runTasks();
    }

    /** Fires the timer under {@code key} (as if its deadline passed); false if none is set. */
    boolean fire(Object key) {
        final Runnable r = timers.remove(key);
        if (r == null) {
            return false;
        }
        r.run();
        runTasks();
        return true;
    }

    /** Takes what was written so far. */
    byte[] take() {
        final byte[] b = written.toByteArray();
        written.reset();
        return b;
    }

    @Override
    public boolean write(ByteBuffer data) {
        if (closeRequested || aborted || outputShut) {
            return false;
        }
        final ByteBuffer d = data.duplicate();
        final byte[] b = new byte[d.remaining()];
        d.get(b);
        written.writeBytes(b);
        queued += b.length;
        return true;
    }

    @Override
    public boolean write(ByteBuffer data, Object token) {
        final boolean ok = write(data);
        if (ok) {
            unacked.add(token);
        }
        return ok;
    }

    @Override
    public void close() {
        closeRequested = true;
    }

    @Override
    public void abort() {
        aborted = true;
    }

    /** Reports the connection closed to the stage. */
    void closed() {
        closedTold = true;
        stage.onClosed(this, new Tcp.Closed());
    }

    /** Set by shutdownOutput (a half-close: FIN after the queued writes). */
    boolean outputShut;

    /** Closed, aborted or half-closed: the stage has ended its side. */
    boolean ended() {
        return closeRequested || aborted || outputShut;
    }

    @Override
    public void shutdownOutput() {
        outputShut = true;
    }

    @Override
    public void suspendReading() {}

    @Override
    public void resumeReading() {}

    @Override
    public int queuedBytes() {
        return queued;
    }

    @Override
    public boolean isWritingPaused() {
        return queued >= highWatermark;
    }

    @Override
    public boolean isOpen() {
        return !closeRequested && !aborted;
    }

    @Override
    public void execute(Runnable action) {
        synchronized (tasks) {
            tasks.add(action);
        }
    }

    @Override
    public void startTimer(Object key, Duration delay, Runnable action) {
        timers.put(key, action);
    }

    @Override
    public void cancelTimer(Object key) {
        timers.remove(key);
    }

    @Override
    public ActorRef<Tcp.Command> self() {
        throw new UnsupportedOperationException();
    }

    @Override
    public ActorSystem system() {
        return system;
    }

    @Override
    public SocketAddress remoteAddress() {
        return new InetSocketAddress("127.0.0.1", 5555);
    }

    @Override
    public SocketAddress localAddress() {
        return new InetSocketAddress("127.0.0.1", 80);
    }
}
