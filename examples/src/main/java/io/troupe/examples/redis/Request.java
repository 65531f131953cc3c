package io.troupe.examples.redis;

import java.nio.charset.StandardCharsets;

/**
 * Step 2: one command on its way through the server, and its reply once it has one.
 *
 * <p>A connection makes a request for each command it decodes and keeps it in a queue in
 * request order; whoever executes the command (the connection itself, a key-space shard, the
 * pub/sub broker) sets the reply with one of the {@code reply...} methods, and the connection
 * writes the replies at the head of its queue that are done, in order. A request is handed
 * between threads only inside messages (to a shard, then back through
 * {@link io.troupe.io.Connection#execute}), which order its writes before its reads: it needs
 * no synchronisation of its own. NOT thread safe.
 *
 * <p>A command on several keys that live on different shards ({@code DEL a b c}) is split into
 * one <em>part</em> per shard; each part's integer reply is added to its parent's, and the
 * parent is done when its last part is.
 */
final class Request {
    private static final int PENDING = 0;
    private static final int SIMPLE = 1;
    private static final int ERROR = 2;
    private static final int INTEGER = 3;
    private static final int BULK = 4;
    private static final int RAW = 5;

    /** The arguments, the command's name first. */
    final byte[][] args;
    /** The command, looked up from {@code args[0]}; null for replies that have no command (a published message). */
    final Command command;
    /** For a part of a multi-shard command: the request it is part of. */
    final Request parent;
    private int partsLeft;
    private long partSum;
    private String partText;
    private int kind = PENDING;
    private long integer;
    private byte[] bytes;
    private String text;

    Request(Command command, byte[][] args) {
        this(command, args, null);
    }

    private Request(Command command, byte[][] args, Request parent) {
        this.command = command;
        this.args = args;
        this.parent = parent;
    }

    /** A request that is already answered with RESP bytes (a pushed pub/sub message). */
    static Request answered(byte[] resp) {
        final Request r = new Request(null, null);
        r.kind = RAW;
        r.bytes = resp;
        return r;
    }

    /** A part of this request, for one shard: it carries {@code partArgs} (the name and that shard's keys). */
    Request part(byte[][] partArgs) {
        partsLeft++;
        return new Request(command, partArgs, this);
    }

    /**
     * Folds a finished part into this request: their integers add up; the request is done with
     * its last part, as the sum, or as the parts' simple reply (OK) if they gave one.
     */
    void partDone(Request part) {
        if (part.kind == INTEGER) {
            partSum += part.integer;
        } else if (part.kind == SIMPLE) {
            partText = part.text;
        }
        if (--partsLeft == 0) {
            if (partText != null) {
                replySimple(partText);
            } else {
                replyInteger(partSum);
            }
        }
    }

    /** Whether the reply is set. */
    boolean isDone() {
        return kind != PENDING;
    }

    /** The argument at {@code i} as text (for messages and options). */
    String arg(int i) {
        return new String(args[i], StandardCharsets.UTF_8);
    }

    void replyOk() {
        replySimple("OK");
    }

    void replySimple(String s) {
        kind = SIMPLE;
        text = s;
    }

    /** An error; {@code message} starts with its code ({@code "ERR syntax error"}). */
    void replyError(String message) {
        kind = ERROR;
        text = message;
    }

    void replyInteger(long n) {
        kind = INTEGER;
        integer = n;
    }

    /** A bulk string, or nil for {@code null}. The array is not copied: it must not change afterwards. */
    void replyBulk(byte[] value) {
        kind = BULK;
        bytes = value;
    }

    /** A reply that is already RESP (an array). The array is not copied. */
    void replyRaw(byte[] resp) {
        kind = RAW;
        bytes = resp;
    }

    /** Encodes the reply. Precondition: {@link #isDone()}. */
    void writeTo(RespWriter out) {
        switch (kind) {
            case SIMPLE -> out.simple(text);
            case ERROR -> out.error(text);
            case INTEGER -> out.integer(integer);
            case BULK -> out.bulk(bytes);
            case RAW -> out.raw(bytes);
            default -> throw new IllegalStateException("no reply yet");
        }
    }

    @Override
    public String toString() {
        return command == null ? "Request[push]" : "Request[" + command + ", " + (isDone() ? "done" : "pending") + "]";
    }
}
