package io.troupe.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The client ends of {@link HttpStressTest}'s idle connections, in a JVM of their own, so that the
 * test's JVM holds only the server ends and 10,000 connections fit a 20,000 descriptor limit.
 *
 * <p>Arguments: host, port, count, and {@code http} (each connection sends one GET and reads its
 * answer) or {@code raw} (connect only). Prints {@code opened N} once all are open, then obeys
 * lines on standard input: {@code check} sends {@code GET /bytes/{len}} on every (n/500)th
 * connection and checks each answer's head and exact body ({@code len} bytes of
 * TestApp's pattern), printing {@code checked K} or {@code failed <why>};
 * {@code close} closes everything and exits.
 */
public final class IdleClients {
    private static final byte[] GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private IdleClients() {
    }

    /**
     * Runs the clients (see the class comment).
     *
     * @param args host, port, count, http|raw
     * @throws IOException when a connection fails (the parent sees the exit and the stack trace)
     */
    public static void main(String[] args) throws IOException {
        final InetSocketAddress address = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        final int n = Integer.parseInt(args[2]);
        final boolean http = args[3].equals("http");
        final List<SocketChannel> channels = new ArrayList<>(n);
        final ByteBuffer in = ByteBuffer.allocate(4096);
        for (int i = 0; i < n; i++) {
            final SocketChannel c = SocketChannel.open(address);
            channels.add(c);
            if (http) {
                c.write(ByteBuffer.wrap(GET));
                final String got = readAnswer(c, in, TestApp.HELLO.length());
                if (!got.startsWith("HTTP/1.1 200 OK") || !got.endsWith(TestApp.HELLO)) {
                    System.out.println("failed connection " + i + ": " + got);
                    return;
                }
            }
        }
        System.out.println("opened " + n);
        final BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = commands.readLine()) != null; ) {
            if (line.equals("check")) {
                int checked = 0;
                String failure = null;
                for (int i = 0; i < n && failure == null; i += Math.max(1, n / 500)) {
                    final int len = i % 100 + 1;
                    final SocketChannel c = channels.get(i);
                    c.write(ByteBuffer.wrap(("GET /bytes/" + len + " HTTP/1.1\r\nHost: x\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1)));
                    final String got = readAnswer(c, in, len);
                    final String body = got.substring(got.indexOf("\r\n\r\n") + 4);
                    if (!got.startsWith("HTTP/1.1 200") || !got.contains("Content-Length: " + len + "\r\n")
                            || !body.equals(expectedBody(len))) {
                        failure = "connection " + i + ": " + got;
                    }
                    checked++;
                }
                System.out.println(failure == null ? "checked " + checked : "failed " + failure);
            } else if (line.equals("close")) {
                break;
            }
        }
        for (SocketChannel c : channels) {
            c.close();
        }
    }

    /** The first {@code len} bytes of TestApp's pattern, as ISO-8859-1 characters. */
    private static String expectedBody(int len) {
        final byte[] b = new byte[len];
        for (int k = 0; k < len; k++) {
            b[k] = TestApp.patternByte(k);
        }
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Reads one answer whose body is {@code bodyLength} bytes (the head has no chunking). */
    private static String readAnswer(SocketChannel c, ByteBuffer in, int bodyLength) throws IOException {
        in.clear();
        while (true) {
            if (c.read(in) < 0) {
                throw new IOException("closed by the server after " + in.position() + " bytes");
            }
            final String got = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
            final int headEnd = got.indexOf("\r\n\r\n");
            if (headEnd > 0 && in.position() - headEnd - 4 == bodyLength) {
                return got;
            }
        }
    }
}
