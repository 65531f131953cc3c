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
    /**
     * Models the write queue when on, after io-actors' contract for stages (TcpConnection: a
     * stage's write, endStageTurn, flush): a write that does not fit in {@link #maxQueue} is
     * refused (counted in {@link #refused}); a write that brings the queue to the high watermark
     * pauses writing at once, in the turn ({@link #isWritingPaused}); the turn's end tells
     * onWritingPaused, then flushes at most {@link #flushPerTurn} bytes, and a paused queue that
     * reaches the low watermark tells onWritingResumed (so every pause is followed by a resume);
     * a paused queue drains in turns of its own (the socket became writable).
     */
    boolean modelQueue;
    int flushPerTurn;
    int maxQueue = 1024 * 1024;
    int highWatermark = 512 * 1024;
    int lowWatermark = 128 * 1024;
    boolean paused;
    /** A pause set by a write in this turn, told when the turn ends. */
    private boolean pauseUntold;
    /** The stage wrote in this turn: the turn's end flushes (again, if a told event wrote more). */
    private boolean wroteInTurn;
    int refused;
    int pausesTold;
    int resumesTold;

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
        endTurn();
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
                if (modelQueue && paused && queued > 0 && flushPerTurn > 0) {
                    endTurn(); // the socket became writable: a turn of the connection's own
                    continue;
                }
                return;
            }
            if (!closedTold) {
                r.run();
                endTurn();
            }
        }
    }

    /** The end of a turn, as TcpConnection.endStageTurn: tell a pause set in the turn, flush, tell a resume. */
    private void endTurn() {
        if (!modelQueue) {
            return;
        }
        do {
            wroteInTurn = false;
            if (pauseUntold) {
                pauseUntold = false;
                pausesTold++;
                stage.onWritingPaused(this);
            }
            queued -= Math.min(queued, flushPerTurn);
            if (paused && !pauseUntold && queued <= lowWatermark) {
                paused = false;
                resumesTold++;
                stage.onWritingResumed(this);
            }
        } while (wroteInTurn);
    }

    /** Fires the timer under {@code key} (as if its deadline passed); false if none is set. */
    boolean fire(Object key) {
        final Runnable r = timers.remove(key);
        if (r == null) {
            return false;
        }
        r.run();
        endTurn();
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
        if (modelQueue) {
            if (queued + b.length > maxQueue) {
                refused++;
                return false;
            }
            queued += b.length;
            wroteInTurn = true;
            if (!paused && queued >= highWatermark) {
                paused = true;
                pauseUntold = true;
            }
        }
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
        return paused;
    }

    @Override
    public int writeRoomBytes() {
        return !isOpen() ? 0 : modelQueue ? maxQueue - queued : Integer.MAX_VALUE;
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
