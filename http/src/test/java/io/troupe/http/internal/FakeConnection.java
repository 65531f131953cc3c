package io.troupe.http.internal;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.io.Connection;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A connection for driving a stage by hand, on the test's thread: writes are collected, execute()
 * actions and timers wait until the test runs them. Not thread safe except execute(), which
 * other threads may call (a completed future's callback).
 */
final class FakeConnection implements Connection {
    final ActorSystem system;
    final ConnectionStage stage;
    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    final Map<Object, Runnable> timers = new LinkedHashMap<>();
    boolean closeRequested;
    boolean aborted;
    boolean readingSuspended;
    int queued;
    boolean closedTold;

    FakeConnection(ActorSystem system, ConnectionStage stage) {
        this.system = system;
        this.stage = stage;
        stage.onConnected(this);
    }

    /** Feeds bytes as one read (a direct buffer, as the real connection lends). */
    void read(byte[] bytes, int from, int to) {
        final ByteBuffer b = ByteBuffer.allocateDirect(to - from);
        b.put(bytes, from, to - from).flip();
        stage.onReceived(this, b);
        runTasks();
    }

    void read(String text) {
        final byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        read(b, 0, b.length);
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

    String output() {
        return written.toString(StandardCharsets.ISO_8859_1);
    }

    /** Takes what was written so far. */
    String take() {
        final String s = output();
        written.reset();
        return s;
    }

    @Override
    public boolean write(ByteBuffer data) {
        if (closeRequested || aborted) {
            return false;
        }
        final ByteBuffer d = data.duplicate();
        final byte[] b = new byte[d.remaining()];
        d.get(b);
        written.writeBytes(b);
        return true;
    }

    @Override
    public boolean write(ByteBuffer data, Object token) {
        return write(data);
    }

    @Override
    public void close() {
        closeRequested = true;
    }

    @Override
    public void abort() {
        aborted = true;
    }

    /** Reports the connection closed to the stage (what the real one does after close()). */
    void closed() {
        closedTold = true;
        stage.onClosed(this, new Tcp.Closed());
    }

    @Override
    public void shutdownOutput() {}

    @Override
    public void suspendReading() {
        readingSuspended = true;
    }

    @Override
    public void resumeReading() {
        readingSuspended = false;
    }

    @Override
    public int queuedBytes() {
        return queued;
    }

    @Override
    public boolean isWritingPaused() {
        return false;
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
