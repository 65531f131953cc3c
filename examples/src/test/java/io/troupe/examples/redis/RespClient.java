package io.troupe.examples.redis;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A blocking RESP2 client for tests: sends raw bytes or commands, reads replies rendered as text
 * ({@code +OK}, {@code -ERR ...}, {@code :1}, {@code $value}, {@code (nil)}, {@code [a, b]}). Every
 * read has a 10 s socket timeout, so a missing reply fails the test instead of hanging it.
 */
final class RespClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RespClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends {@code raw} as it is. */
    RespClient sendRaw(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    /** Sends one command as a multibulk. */
    RespClient send(String... args) throws IOException {
        final StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            b.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        return sendRaw(b.toString());
    }

    /** Sends one command and reads its reply. */
    String call(String... args) throws IOException {
        return send(args).read();
    }

    /** Reads one reply. */
    String read() throws IOException {
        final int type = in.read();
        if (type < 0) {
            throw new IOException("connection closed before a reply");
        }
        final String line = line();
        switch (type) {
            case '+', '-', ':' -> {
                return (char) type + line;
            }
            case '$' -> {
                final int n = Integer.parseInt(line);
                if (n < 0) {
                    return "(nil)";
                }
                final byte[] data = in.readNBytes(n + 2);
                return "$" + new String(data, 0, n, StandardCharsets.UTF_8);
            }
            case '*' -> {
                final int n = Integer.parseInt(line);
                final List<String> items = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    items.add(read());
                }
                return items.toString();
            }
            default -> throw new IOException("not a RESP reply: '" + (char) type + line + "'");
        }
    }

    private String line() throws IOException {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\r'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed inside a reply");
            }
            b.write(c);
        }
        if (in.read() != '\n') {
            throw new IOException("CR without LF");
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Whether the server has closed the connection: the next read finds the end of the stream. */
    boolean isClosedByServer() throws IOException {
        return in.read() < 0;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
