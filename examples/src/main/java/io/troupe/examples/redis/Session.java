package io.troupe.examples.redis;

import io.troupe.io.Connection;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Step 5, the connection: a {@link ConnectionStage}, so it runs inside the connection actor's
 * own turn, with no actor hop between the socket and the decoder. For each read it decodes the
 * commands, answers those that need no key at once, sends the others to their shards (one
 * message per shard per read) or to the broker, and writes the replies that are ready, in the
 * order of the requests.
 *
 * <p>Order. Replies come back from different shards in any order, each through
 * {@link Connection#execute} (which runs it in this connection's turn); every request waits in
 * {@link #replies}, in request order, and only the done ones at its head are written. So a
 * pipeline of {@code SET a; GET b; INCR c} is answered in that order even when {@code c}'s shard
 * is quicker than {@code b}'s.
 *
 * <p>Back-pressure. A connection stops reading while {@code maxPipelined} commands wait for
 * replies, and while its write queue is above the high watermark (a client that sends but does
 * not read); it reads again once both have drained. Replies then wait in {@link #replies},
 * holding references to the stored values, not copies.
 *
 * <p>Closing. QUIT, a protocol error, the peer's end of stream and the server's shutdown all
 * end reading the same way: no further command is taken, the replies owed are written, then
 * the connection closes.
 */
final class Session implements ConnectionStage, PubSub.Subscriber {
    /*
     * Implementation overview
     *
     * Threading protocol. Every method of ConnectionStage runs in the connection actor's turn,
     * one at a time; so do the callbacks given to shards and the broker, which come back
     * through Connection.execute. deliver() is the one method called on another thread (the
     * broker's): it only calls Connection.execute.
     *
     * Invariants.
     *  1. `replies` holds every request whose reply has not been written, in request order;
     *     replies are written only from its head, and only when done.
     *  2. `batches[i]` is empty between reads: every command routed in a read is sent before
     *     the read's turn ends.
     *  3. Once `closing`, no new command is taken, and the connection closes when `replies`
     *     is empty.
     *
     * Memory ordering. Requests go to shards and back inside messages (Shard.Execute, then
     * Connection.execute): their replies, written there, are seen here.
     *
     * Shutdown. onShuttingDown and onPeerClosed close after the replies owed; onClosed
     * unsubscribes from every channel.
     */

    /** Subscribe-mode replies. */
    private static final byte[] SUBSCRIBE = bytes("subscribe");
    private static final byte[] UNSUBSCRIBE = bytes("unsubscribe");
    private static final byte[] PONG = bytes("pong");
    private static final byte[] EMPTY = new byte[0];
    /** Redis drops a subscriber whose output passes 32 MB (client-output-buffer-limit pubsub). */
    private static final int MAX_SUBSCRIBER_BACKLOG_BYTES = 32 << 20;
    /** Writing stops at this many queued bytes and goes on once the connection drains them. */
    static final int WRITE_HIGH_WATERMARK_BYTES = 1 << 20;

    private final Server server;
    private final RespDecoder decoder;
    private final RespDecoder.Sink onCommand = this::onCommand;
    private final Runnable writeReplies = this::writeReplies;
    private final Runnable continueWriting = this::continueWriting;
    /** Requests whose replies are owed, in request order (invariant 1). */
    private final ArrayDeque<Request> replies = new ArrayDeque<>();
    /** This read's commands, per shard (invariant 2). */
    private final ArrayList<ArrayList<Request>> batches;
    private final RespWriter out = new RespWriter(4096);
    /** The channels subscribed to, in the order subscribed; non-empty means subscribe mode. */
    private final Set<Key> channels = new LinkedHashSet<>();
    private Connection connection;
    private boolean closing;
    private boolean readingSuspended;
    /** Replies wait for the write queue to drain: a continuation is scheduled or writing is paused. */
    private boolean writeStalled;
    /** A {@link #continueWriting} is on its way through {@link Connection#execute}. */
    private boolean continuationScheduled;

    Session(Server server) {
        this.server = server;
        this.decoder = new RespDecoder(server.maxBulkBytes());
        this.batches = new ArrayList<>(server.shards().size());
        for (int i = 0; i < server.shards().size(); i++) {
            batches.add(new ArrayList<>());
        }
    }

    // ================================================================ reading

    @Override
    public void onConnected(Connection connection) {
        this.connection = connection;
    }

    @Override
    public void onReceived(Connection connection, ByteBuffer data) {
        if (closing) {
            return; // after QUIT or a protocol error, input is ignored, as in Redis
        }
        try {
            decoder.decode(data, onCommand);
        } catch (RespDecoder.ProtocolException e) {
            final Request error = new Request(null, null);
            error.replyError("ERR " + e.getMessage());
            replies.add(error);
            closing = true; // Redis answers a framing error, then closes the connection
        }
        sendBatches();
        writeReplies();
    }

    /** One decoded command: answered here, or routed to its shards or the broker. */
    private void onCommand(byte[][] args) {
        if (closing) {
            return;
        }
        final Command command = Command.lookup(args[0]);
        final Request r = new Request(command, args);
        replies.add(r);
        if (command == null) {
            r.replyError(unknownCommand(args));
        } else if (!command.acceptsArgCount(args.length)) {
            r.replyError("ERR wrong number of arguments for '" + command.lowerName + "' command");
        } else if (!channels.isEmpty() && !command.allowedWhileSubscribed()) {
            r.replyError("ERR Can't execute '" + command.lowerName
                    + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
        } else {
            switch (command.route) {
                case CONNECTION -> runHere(r);
                case KEY -> batches.get(server.shardOf(args[1])).add(r);
                case KEYS -> splitByShard(r);
                case ALL_SHARDS -> {
                    for (ArrayList<Request> batch : batches) {
                        batch.add(r.part(args));
                    }
                }
                case BROKER -> server.broker().tell(new PubSub.Publish(r, connection, writeReplies));
            }
        }
    }

    /** DEL and EXISTS: one part per shard that owns some of the keys, with those keys. */
    private void splitByShard(Request r) {
        final byte[][] args = r.args;
        final int[] shardOfArg = new int[args.length];
        final int[] keysOnShard = new int[batches.size()];
        for (int i = 1; i < args.length; i++) {
            shardOfArg[i] = server.shardOf(args[i]);
            keysOnShard[shardOfArg[i]]++;
        }
        for (int s = 0; s < keysOnShard.length; s++) {
            if (keysOnShard[s] == 0) {
                continue;
            }
            final byte[][] partArgs = new byte[keysOnShard[s] + 1][];
            partArgs[0] = args[0];
            int n = 1;
            for (int i = 1; i < args.length; i++) {
                if (shardOfArg[i] == s) {
                    partArgs[n++] = args[i];
                }
            }
            batches.get(s).add(r.part(partArgs));
        }
    }

    /** Sends each shard this read's commands for it, in one message. */
    private void sendBatches() {
        for (int s = 0; s < batches.size(); s++) {
            final ArrayList<Request> batch = batches.get(s);
            if (!batch.isEmpty()) {
                final Request[] requests = batch.toArray(new Request[0]);
                batch.clear();
                server.shards().get(s).tell(new Shard.Execute(requests, connection, () -> onExecuted(requests)));
            }
        }
    }

    /** A shard has executed {@code requests}; in this connection's turn. */
    private void onExecuted(Request[] requests) {
        for (Request r : requests) {
            if (r.parent != null) {
                r.parent.partDone(r);
            }
        }
        writeReplies();
    }

    // ================================================================ writing

    /** Writes the done replies at the head of the queue, in order, in one write. */
    private void writeReplies() {
        if (connection.isWritingPaused()) {
            writeStalled = true; // onWritingResumed goes on
        } else {
            writeStalled = false;
            while (!replies.isEmpty() && replies.peekFirst().isDone()) {
                if (connection.queuedBytes() + out.size() >= WRITE_HIGH_WATERMARK_BYTES) {
                    writeStalled = true; // go on in a later turn, once this one's bytes are flushed
                    if (!continuationScheduled) {
                        continuationScheduled = true;
                        connection.execute(continueWriting);
                    }
                    break;
                }
                replies.pollFirst().writeTo(out);
            }
            if (out.size() > 0) {
                final boolean written = connection.write(out.buffer());
                out.clear();
                if (!written) {
                    connection.abort(); // cannot happen with MiniRedis' write queue; never lose a reply silently
                    return;
                }
            }
        }
        if (closing && replies.isEmpty()) {
            connection.close();
        } else {
            adjustReading();
        }
    }

    private void continueWriting() {
        continuationScheduled = false;
        writeReplies();
    }

    /** Reads only while few commands wait and the writes keep up (see the class comment). */
    private void adjustReading() {
        if (!readingSuspended && (replies.size() >= server.maxPipelined() || writeStalled)) {
            readingSuspended = true;
            connection.suspendReading();
        } else if (readingSuspended && replies.size() <= server.maxPipelined() / 2 && !writeStalled) {
            readingSuspended = false;
            connection.resumeReading();
        }
    }

    @Override
    public void onWritingResumed(Connection connection) {
        if (writeStalled) {
            writeReplies();
        }
    }

    @Override
    public void onPeerClosed(Connection connection) {
        closeAfterReplies();
    }

    @Override
    public void onShuttingDown(Connection connection) {
        closeAfterReplies();
    }

    private void closeAfterReplies() {
        closing = true;
        if (replies.isEmpty()) {
            connection.close();
        }
    }

    @Override
    public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
        for (Key channel : channels) {
            server.broker().tell(new PubSub.Unsubscribe(channel, this));
        }
        channels.clear();
        replies.clear();
    }

    // ================================================================ commands without a key

    /** PING, ECHO, QUIT, SELECT, CONFIG, COMMAND, SUBSCRIBE, UNSUBSCRIBE: answered in this turn. */
    private void runHere(Request r) {
        final byte[][] args = r.args;
        switch (r.command) {
            case PING -> {
                if (args.length > 2) {
                    r.replyError("ERR wrong number of arguments for 'ping' command");
                } else if (!channels.isEmpty()) { // subscribe mode answers PING as an array
                    r.replyRaw(new RespWriter(32).array(2).bulk(PONG).bulk(args.length == 2 ? args[1] : EMPTY).toByteArray());
                } else if (args.length == 2) {
                    r.replyBulk(args[1]);
                } else {
                    r.replySimple("PONG");
                }
            }
            case ECHO -> r.replyBulk(args[1]);
            case QUIT -> {
                r.replyOk();
                closing = true;
            }
            case SELECT -> select(r);
            case CONFIG -> config(r);
            case COMMAND -> command(r);
            case SUBSCRIBE -> subscribe(r);
            case UNSUBSCRIBE -> unsubscribe(r);
            default -> throw new IllegalStateException("not a connection command: " + r.command);
        }
    }

    private static void select(Request r) {
        try {
            if (Numbers.parse(r.args[1]) == 0) {
                r.replyOk();
            } else {
                r.replyError("ERR DB index is out of range");
            }
        } catch (NumberFormatException e) {
            r.replyError(Numbers.NOT_AN_INTEGER);
        }
    }

    /**
     * CONFIG GET, as much as redis-benchmark asks ({@code save} and {@code appendonly}: no
     * persistence here); CONFIG RESETSTAT is accepted and does nothing.
     */
    private static void config(Request r) {
        final String sub = r.arg(1).toUpperCase(Locale.ROOT);
        if (sub.equals("GET")) {
            if (r.args.length < 3) {
                r.replyError("ERR wrong number of arguments for 'config|get' command");
                return;
            }
            final RespWriter w = new RespWriter(64);
            final ArrayList<String> pairs = new ArrayList<>();
            for (String name : new String[] {"save", "appendonly"}) {
                for (int i = 2; i < r.args.length; i++) {
                    if (r.arg(i).equalsIgnoreCase(name)) {
                        pairs.add(name);
                        pairs.add(name.equals("save") ? "" : "no");
                        break;
                    }
                }
            }
            w.array(pairs.size());
            pairs.forEach(w::bulk);
            r.replyRaw(w.toByteArray());
        } else if (sub.equals("RESETSTAT")) {
            r.replyOk();
        } else {
            r.replyError("ERR unknown subcommand '" + r.arg(1) + "'. Try CONFIG HELP.");
        }
    }

    /** COMMAND, COMMAND COUNT, COMMAND DOCS: enough for redis-cli's start; no documentation is served. */
    private static void command(Request r) {
        final String sub = r.args.length > 1 ? r.arg(1).toUpperCase(Locale.ROOT) : "";
        switch (sub) {
            case "", "DOCS", "INFO" -> r.replyRaw(new RespWriter(8).array(0).toByteArray());
            case "COUNT" -> r.replyInteger(Command.values().length);
            default -> r.replyError("ERR unknown subcommand '" + r.arg(1) + "'. Try COMMAND HELP.");
        }
    }

    // ================================================================ pub/sub

    private void subscribe(Request r) {
        final RespWriter w = new RespWriter(64);
        for (int i = 1; i < r.args.length; i++) {
            final Key channel = new Key(r.args[i]);
            if (channels.add(channel)) {
                server.broker().tell(new PubSub.Subscribe(channel, this)); // before the confirmation is written
            }
            w.array(3).bulk(SUBSCRIBE).bulk(channel.bytes).integer(channels.size());
        }
        r.replyRaw(w.toByteArray());
    }

    private void unsubscribe(Request r) {
        final RespWriter w = new RespWriter(64);
        if (r.args.length == 1) {
            if (channels.isEmpty()) {
                w.array(3).bulk(UNSUBSCRIBE).bulk((byte[]) null).integer(0);
            }
            for (Iterator<Key> it = channels.iterator(); it.hasNext(); ) {
                final Key channel = it.next();
                it.remove();
                server.broker().tell(new PubSub.Unsubscribe(channel, this));
                w.array(3).bulk(UNSUBSCRIBE).bulk(channel.bytes).integer(channels.size());
            }
        } else {
            for (int i = 1; i < r.args.length; i++) {
                final Key channel = new Key(r.args[i]);
                if (channels.remove(channel)) {
                    server.broker().tell(new PubSub.Unsubscribe(channel, this));
                }
                w.array(3).bulk(UNSUBSCRIBE).bulk(channel.bytes).integer(channels.size());
            }
        }
        r.replyRaw(w.toByteArray());
    }

    /** On the broker's thread: hand the message to this connection's turn. */
    @Override
    public void deliver(Key channel, byte[] frame) {
        connection.execute(() -> onMessage(channel, frame));
    }

    private void onMessage(Key channel, byte[] frame) {
        if (!channels.contains(channel) || !connection.isOpen()) {
            return; // unsubscribed since it was published
        }
        if (connection.queuedBytes() > MAX_SUBSCRIBER_BACKLOG_BYTES || replies.size() > MAX_SUBSCRIBER_BACKLOG_BYTES / 64) {
            connection.abort(); // a subscriber that does not read is dropped, as Redis drops it
            return;
        }
        replies.add(Request.answered(frame));
        writeReplies();
    }

    // ================================================================ helpers

    /** Redis' message for an unknown command: the name, then the first arguments, quoted, up to 128 characters. */
    static String unknownCommand(byte[][] args) {
        final StringBuilder b = new StringBuilder("ERR unknown command '")
                .append(truncate(new String(args[0], StandardCharsets.UTF_8), 128))
                .append("', with args beginning with: ");
        final int start = b.length();
        for (int i = 1; i < args.length && b.length() - start < 128; i++) {
            final String arg = new String(args[i], StandardCharsets.UTF_8);
            b.append('\'').append(truncate(arg, 128 - (b.length() - start))).append("' ");
        }
        return b.toString();
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
