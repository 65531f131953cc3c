package io.troupe.examples.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.ActorSystem;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Many clients talking at once in one room, over real sockets. */
@Timeout(120)
class ChatServerStressTest {
    private static final int CLIENTS = 12;
    private static final int LINES = 200 * Integer.getInteger("troupe.stress.scale", 1);

    @Test
    void manyClientsTalkingAtOnce_eachHearsEveryOtherLine_inEachSendersOrder_andNoneOfItsOwn() throws Exception {
        // Property: with every member of a room talking at the same time, each member receives
        // exactly the lines of every other member, each sender's lines in the order sent, and
        // none of its own; the sessions' queues (a 1 KiB write window) keep the order.
        try (ActorSystem system = ActorSystem.create("chat-stress")) {
            final SocketAddress at = ChatServer.start(system, new InetSocketAddress("127.0.0.1", 0),
                    // A small write window, so that lines wait in each session's queue.
                    ChatServer.Options.defaults().withMaxLineBytes(256).withClientQueue(256 * 1024, 1024))
                    .toCompletableFuture().join().localAddress();
            final List<LineClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    final LineClient c = LineClient.connect(at);
                    clients.add(c);
                    c.send("/nick c" + i);
                    assertEquals("* you are c" + i, c.readLine());
                    c.send("/join lobby");
                    assertEquals(i == 0 ? "* you joined lobby (nobody else here)" : "* you joined lobby with " + names(i),
                            c.readLine());
                    for (int j = 0; j < i; j++) {
                        assertEquals("* c" + i + " joined", clients.get(j).readLine());
                    }
                }
                final ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
                try {
                    final List<Future<Map<String, List<String>>>> heard = new ArrayList<>();
                    for (int i = 0; i < CLIENTS; i++) {
                        final int me = i;
                        heard.add(pool.submit(() -> talkAndListen(clients.get(me), me)));
                    }
                    for (int i = 0; i < CLIENTS; i++) {
                        final Map<String, List<String>> bySender = heard.get(i).get();
                        final Map<String, List<String>> expected = new LinkedHashMap<>();
                        for (int j = 0; j < CLIENTS; j++) {
                            if (j != i) {
                                expected.put("c" + j, linesOf(j));
                            }
                        }
                        assertEquals(expected.keySet(), bySender.keySet(), "senders heard by c" + i);
                        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
                            assertEquals(e.getValue(), bySender.get(e.getKey()), "lines of " + e.getKey() + " heard by c" + i);
                        }
                    }
                } finally {
                    pool.shutdownNow();
                }
            } finally {
                for (LineClient c : clients) {
                    c.close();
                }
            }
        }
    }

    private static Map<String, List<String>> talkAndListen(LineClient client, int me) throws Exception {
        final StringBuilder all = new StringBuilder();
        for (String line : linesOf(me)) {
            all.append(line).append('\n');
        }
        client.send(all.substring(0, all.length() - 1));
        final Map<String, List<String>> bySender = new LinkedHashMap<>();
        for (int n = 0; n < (CLIENTS - 1) * LINES; n++) {
            final String got = client.readLine();
            final int colon = got.indexOf(": ");
            if (colon < 0) {
                throw new AssertionError("c" + me + " got a line that is not chat: " + got);
            }
            bySender.computeIfAbsent(got.substring(0, colon), k -> new ArrayList<>()).add(got.substring(colon + 2));
        }
        return bySender;
    }

    private static List<String> linesOf(int client) {
        final List<String> lines = new ArrayList<>();
        for (int k = 0; k < LINES; k++) {
            lines.add("line " + k + " from c" + client);
        }
        return lines;
    }

    private static String names(int upTo) {
        final StringBuilder s = new StringBuilder();
        for (int j = 0; j < upTo && j < 8; j++) {
            s.append(j == 0 ? "" : ", ").append("c").append(j);
        }
        if (upTo > 8) {
            s.append(", and ").append(upTo - 8).append(" more");
        }
        return s.toString();
    }
}
