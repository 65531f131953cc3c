package io.troupe.examples.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import io.troupe.timers.ManualClock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The chat server end to end, over real sockets on 127.0.0.1 with blocking line clients. */
@Timeout(90)
class ChatServerTest {
    private ActorSystem system;

    @AfterEach
    void closeSystem() {
        if (system != null) {
            system.close();
        }
    }

    private SocketAddress start(ActorSystem sys, ChatServer.Options options) {
        system = sys;
        final Tcp.Bound bound = ChatServer.start(sys, new InetSocketAddress("127.0.0.1", 0), options)
                .toCompletableFuture().join();
        return bound.localAddress();
    }

    private static void expect(LineClient client, String... lines) throws IOException {
        for (String line : lines) {
            assertEquals(line, client.readLine());
        }
    }

    /** Names three clients and puts them in {@code lobby}, reading every line that causes. */
    private static void threeInLobby(LineClient a, LineClient b, LineClient c) throws IOException {
        a.send("/nick alice");
        expect(a, "* you are alice");
        b.send("/nick bob");
        expect(b, "* you are bob");
        c.send("/nick carol");
        expect(c, "* you are carol");
        a.send("/join lobby");
        expect(a, "* you joined lobby (nobody else here)");
        b.send("/join lobby");
        expect(b, "* you joined lobby with alice");
        expect(a, "* bob joined");
        c.send("/join lobby");
        expect(c, "* you joined lobby with alice, bob");
        expect(a, "* carol joined");
        expect(b, "* carol joined");
    }

    @Test
    void threeClients_chatInARoom_inOrder_notEchoed_roomsIsolated_quitCloses() throws Exception {
        // Property: nicknames are unique; a line reaches every other member of the sender's room,
        // in the order said, and never the sender; a member of another room hears nothing of it;
        // /quit answers "* bye", closes the connection, and the room hears that the client left.
        final SocketAddress at = start(ActorSystem.create("chat-three"), ChatServer.Options.defaults());
        try (LineClient a = LineClient.connect(at); LineClient b = LineClient.connect(at); LineClient c = LineClient.connect(at)) {
            a.send("hello before a nick");
            expect(a, "* choose a nick first: /nick NAME");
            a.send("/nick no spaces");
            expect(a, "* a nick is 1 to 32 letters, digits, _ or -");
            a.send("/crash");
            expect(a, "* unknown command /crash: try /nick NAME, /join ROOM, /quit");
            a.send("/nick alice");
            expect(a, "* you are alice");
            b.send("/nick alice");
            expect(b, "* nick alice is taken");
            b.send("/nick bob");
            expect(b, "* you are bob");
            c.send("/nick carol");
            expect(c, "* you are carol");
            c.send("no room yet");
            expect(c, "* join a room first: /join ROOM");
            a.send("/join lobby");
            expect(a, "* you joined lobby (nobody else here)");
            b.send("/join lobby");
            expect(b, "* you joined lobby with alice");
            expect(a, "* bob joined");
            c.send("/join lobby");
            expect(c, "* you joined lobby with alice, bob");
            expect(a, "* carol joined");
            expect(b, "* carol joined");

            a.send("hello");
            a.send("how are you?");
            a.send("héllo ünïcode ✓");
            expect(b, "alice: hello", "alice: how are you?", "alice: héllo ünïcode ✓");
            expect(c, "alice: hello", "alice: how are you?", "alice: héllo ünïcode ✓");
            b.send("fine");
            expect(a, "bob: fine"); // alice's next line is bob's: she got none of her own
            expect(c, "bob: fine");

            c.send("/join side");
            expect(c, "* you joined side (nobody else here)");
            expect(a, "* carol left");
            expect(b, "* carol left");
            a.send("only for the lobby");
            expect(b, "alice: only for the lobby");
            b.send("/join side");
            expect(b, "* you joined side with carol");
            expect(c, "* bob joined"); // carol's next line: she did not get the lobby's
            expect(a, "* bob left");
            b.send("psst");
            expect(c, "bob: psst");

            c.send("/quit");
            expect(c, "* bye");
            assertNull(c.readLine(), "the server closes the connection after /quit");
            expect(b, "* carol left");
            a.send("/join side");
            expect(a, "* you joined side with bob"); // alice's next line: she did not get "psst"
            expect(b, "* alice joined");
        }
    }

    @Test
    void pipelinedCommands_areHandledInArrivalOrder() throws Exception {
        // Property: lines a client sends while its session waits for the registry (/nick, /join)
        // are stashed and handled afterwards in the order they arrived.
        final SocketAddress at = start(ActorSystem.create("chat-pipelined"), ChatServer.Options.defaults());
        try (LineClient b = LineClient.connect(at); LineClient x = LineClient.connect(at)) {
            b.send("/nick bob");
            expect(b, "* you are bob");
            b.send("/join lobby");
            expect(b, "* you joined lobby (nobody else here)");
            x.send("/nick xavier\n/join lobby\nfirst\n/nick xav\nsecond");
            expect(x, "* you are xavier", "* you joined lobby with bob", "* you are xav");
            expect(b, "* xavier joined", "xavier: first", "* xavier is now xav", "xav: second");
        }
    }

    @Test
    void silentClient_isToldAndClosed_afterTheIdleTimeout_measuredFromItsLastLine() throws Exception {
        // Property: a session that receives no line for the idle timeout tells its client and
        // closes, and its room hears it; a line re-arms the timeout. Time is a ManualClock.
        // region idle-test
        final ManualClock clock = new ManualClock();
        final SocketAddress at = start(ActorSystem.builder("chat-idle").clock(clock).build(),
                ChatServer.Options.defaults().withIdleTimeout(Duration.ofSeconds(30)));
        try (LineClient dave = LineClient.connect(at); LineClient eve = LineClient.connect(at)) {
            dave.send("/nick dave");
            expect(dave, "* you are dave");
            eve.send("/nick eve");
            expect(eve, "* you are eve");
            dave.send("/join lobby");
            expect(dave, "* you joined lobby (nobody else here)");
            eve.send("/join lobby");
            expect(eve, "* you joined lobby with dave");
            expect(dave, "* eve joined");

            clock.advance(Duration.ofSeconds(29)); // t = 29 s: nobody is due yet
            eve.send("still here");                // eve's timeout now due at 59 s
            expect(dave, "eve: still here");       // dave's next line: not his goodbye
            clock.advance(Duration.ofSeconds(1));  // t = 30 s: dave's last line was at 0 s
            expect(dave, "* idle for 30 s: bye");
            assertNull(dave.readLine(), "the idle session closes its connection");
            expect(eve, "* dave timed out");
            clock.advance(Duration.ofSeconds(29)); // t = 59 s
            expect(eve, "* idle for 30 s: bye");
            assertNull(eve.readLine());
        }
        // endregion
    }

    @Test
    void crashedRoom_isRestartedInPlace_freshButWithItsMembers() throws Exception {
        // Property: a room that throws is restarted by its supervisor: the same room (sessions
        // keep their ref) with a fresh instance (its line counter starts over) and its members
        // kept, who are told of the restart and go on chatting in it.
        final SocketAddress at = start(ActorSystem.create("chat-crash"), ChatServer.Options.defaults().withCrashCommand(true));
        try (LineClient a = LineClient.connect(at); LineClient b = LineClient.connect(at); LineClient c = LineClient.connect(at)) {
            threeInLobby(a, b, c);
            a.send("one");
            expect(b, "alice: one");
            expect(c, "alice: one");
            a.send("/crash");
            final String first = "* room lobby restarted after a crash: crash requested by alice (lines relayed by this instance: 1)";
            expect(a, first);
            expect(b, first);
            expect(c, first);

            b.send("still here");
            expect(a, "bob: still here");
            expect(c, "bob: still here");
            c.send("/crash");
            final String second = "* room lobby restarted after a crash: crash requested by carol (lines relayed by this instance: 1)";
            expect(a, second);
            expect(b, second);
            expect(c, second);
            c.send("/join other");
            expect(c, "* you joined other (nobody else here)");
            expect(a, "* carol left");
            expect(b, "* carol left");
            a.send("two");
            expect(b, "alice: two");
        }
    }

    @Test
    void clientThatDoesNotRead_isDisconnectedAtItsQueueBound_whileTheOthersChatOn() throws Exception {
        // Property: a client that stops reading makes the server hold at most its queue bound
        // (plus the window and kernel buffers): the line that would overflow its queue
        // disconnects it; it gets an unbroken prefix of the conversation and then the goodbye;
        // the room hears it once; the other clients get every line, in order, and go on.
        final ChatServer.Options options = ChatServer.Options.defaults()
                .withClientQueue(64 * 1024, 16 * 1024)
                .withSocketOptions(TcpOptions.defaults()
                        .withBufferSizes(8 * 1024, 0)
                        .withCloseTimeout(Duration.ofSeconds(60)));
        final SocketAddress at = start(ActorSystem.create("chat-slow"), options);
        final String notice = "* carol was disconnected: not reading";
        try (LineClient a = LineClient.connect(at); LineClient b = LineClient.connect(at); LineClient c = LineClient.connect(at, 4096)) {
            threeInLobby(a, b, c);
            // From here on carol reads nothing; alice talks in batches that bob keeps up with.
            final String pad = "x".repeat(400);
            final List<String> said = new ArrayList<>();
            int bobRead = 0;
            int noticesSeenByBob = 0;
            for (int batch = 0; noticesSeenByBob == 0; batch++) {
                assertTrue(batch < 500, "carol was not disconnected after " + said.size()
                        + " lines: the server buffers for a client that does not read");
                final StringBuilder lines = new StringBuilder();
                for (int i = 0; i < 100; i++) {
                    final String line = batch + "." + i + " " + pad;
                    said.add(line);
                    lines.append(line).append('\n');
                }
                a.send(lines.substring(0, lines.length() - 1));
                while (bobRead < said.size()) {
                    final String got = b.readLine();
                    if (notice.equals(got)) {
                        noticesSeenByBob++;
                    } else {
                        assertEquals("alice: " + said.get(bobRead), got);
                        bobRead++;
                    }
                }
            }
            b.send("carol is gone");
            expect(a, notice, "bob: carol is gone");
            a.send("so it seems");
            expect(b, "alice: so it seems");

            int carolRead = 0;
            String got;
            while (!"* you are not reading: disconnected".equals(got = c.readLine())) {
                assertNotNull(got, "carol's stream ended before her goodbye, after " + carolRead + " lines");
                assertEquals("alice: " + said.get(carolRead), got);
                carolRead++;
            }
            assertNull(c.readLine(), "the slow client's connection is closed after the goodbye");
            assertTrue(carolRead < said.size(), "carol got " + carolRead + " of " + said.size() + " lines");
            System.out.println("slow reader: carol got " + carolRead + " of " + said.size() + " lines of "
                    + ("alice: ".length() + said.get(0).length() + 1) + " bytes before her goodbye");
        }
    }

    @Test
    void gracefulShutdown_tellsEachClientGoodbye_thenCloses() throws Exception {
        // Property: on system.shutdown() the registry tells every session, each says goodbye to
        // its client and closes its connection, and the shutdown waits for them.
        final SocketAddress at = start(ActorSystem.create("chat-shutdown"), ChatServer.Options.defaults());
        try (LineClient a = LineClient.connect(at); LineClient b = LineClient.connect(at); LineClient c = LineClient.connect(at)) {
            threeInLobby(a, b, c);
            system.shutdown().toCompletableFuture().join();
            // The sessions close concurrently, so a client may first hear that another member
            // left the room; then its own goodbye, then the end of the stream, in that order.
            for (LineClient client : List.of(a, b, c)) {
                String line = client.readLine();
                while (line != null && line.matches("\\* (alice|bob|carol) left")) {
                    line = client.readLine();
                }
                assertEquals("* server shutting down: bye", line);
                assertNull(client.readLine());
            }
        }
    }
}
