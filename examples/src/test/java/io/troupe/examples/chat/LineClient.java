package io.troupe.examples.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/** A blocking line client on a real socket, for the tests. Not thread safe. */
final class LineClient implements AutoCloseable {
    /** A safety net for a broken server, not a synchronisation: every read waits on data. */
    private static final int READ_TIMEOUT_MILLIS = 20_000;

    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;

    private LineClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        this.out = socket.getOutputStream();
    }

    /** Connects and reads the welcome line. */
    static LineClient connect(SocketAddress address) throws IOException {
        return connect(address, 0);
    }

    /** Connects with this receive buffer (0: the system's) and reads the welcome line. */
    static LineClient connect(SocketAddress address, int receiveBufferBytes) throws IOException {
        final Socket socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes); // before connect, so the window is small
        }
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        socket.connect(address);
        final LineClient client = new LineClient(socket);
        final String welcome = client.readLine();
        if (!"* welcome: /nick NAME, then /join ROOM; /quit to leave".equals(welcome)) {
            throw new AssertionError("unexpected welcome: " + welcome);
        }
        return client;
    }

    static SocketAddress loopback(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** Sends one line. */
    void send(String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The next line, or null at the end of the stream. */
    String readLine() throws IOException {
        return in.readLine();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
