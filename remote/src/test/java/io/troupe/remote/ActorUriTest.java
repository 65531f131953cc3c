package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.SpawnOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** troupe://system@host:port/path: round trips, the paths of real actors, and every rejection's message. */
@Timeout(30)
class ActorUriTest {

    private static String rejection(String text) {
        return assertThrows(IllegalArgumentException.class, () -> ActorUri.parse(text), text).getMessage();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "troupe://sys@127.0.0.1:2552/user/a/b",
        "troupe://sys@[::1]:2552/user/x",
        "troupe://sys@[2001:db8::1]:1/system/deadLetters",
        "troupe://sys@ipc:1001/temp/$ask-12",
        "troupe://sys@host:1/user",
        "troupe://sys@host:1/user/$1x3/$adapter-Msg",
        "troupe://sys@host:1/user/a.b/c~d/e:f/g@h/i+j/k=l/m_n/o-p/...",
        "troupe://sys@host:1/user/ABC/xyz/0123456789",
    })
    void parse_canonicalText_roundTripsExactly(String text) {
        // The text form of an actor's URI reads back into an equal URI with the same text.
        final ActorUri uri = ActorUri.parse(text);
        assertEquals(text, uri.toString());
        assertEquals(uri, ActorUri.parse(uri.toString()));
    }

    @Test
    void parse_parts_nodeAndPath() {
        // The authority becomes the node, the rest the path; '@' and ':' in the path stay in the path.
        final ActorUri uri = ActorUri.parse("troupe://sys@[::1]:2552/user/a@b:c/d");
        assertEquals(new NodeAddress("sys", "::1", 2552), uri.node());
        assertEquals("/user/a@b:c/d", uri.path());
        assertEquals("d", uri.name());
        assertEquals("user", ActorUri.parse("troupe://sys@h:1/user").name());
        assertEquals(ActorUri.parse("troupe://sys@[::1]:2552/user/x"), ActorUri.parse("troupe://sys@[0:0::1]:2552/user/x"));
        assertNotEquals(ActorUri.parse("troupe://sys@h:1/user/x"), ActorUri.parse("troupe://sys@h:1/user/X"));
    }

    @Test
    void path_ofSpawnedActors_isAccepted() {
        // The paths a local system gives its actors (named, generated, nested, with every
        // punctuation a name may have) are all valid URI paths.
        try (ActorSystem system = ActorSystem.builder("uri-test").parallelism(1).deadLetterLogsPerSecond(0).build()) {
            final ActorRef<Object> named = system.spawn(() -> new Idle(), "a-b_c.d~e:f@g+h=i");
            final ActorRef<Object> generated = system.spawn(() -> new Idle(), SpawnOptions.defaults());
            final ActorRef<Object> longest = system.spawn(() -> new Idle(), "n".repeat(SpawnOptions.MAX_NAME_LENGTH));
            final NodeAddress node = new NodeAddress(system.name(), "localhost", 2552);
            for (ActorRef<?> ref : new ActorRef<?>[] {named, generated, longest}) {
                final ActorUri uri = node.actor(ref.path());
                assertEquals(uri, ActorUri.parse(uri.toString()));
                assertEquals(ref.name(), uri.name());
            }
        }
    }

    /** An actor that does nothing. */
    static final class Idle extends Actor<Object> {
        @Override
        protected void receive(Object message) {}
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "troupe://s@h:1           | an actor URI needs a path after the port (troupe://system@host:port/user/name), was 'troupe://s@h:1'",
        "troupe://s@h:1/          | actor path must not have an empty element (a leading, doubled or trailing '/'), was '/'",
        "troupe://s@h:1//user/a   | actor path must not have an empty element (a leading, doubled or trailing '/'), was '//user/a'",
        "troupe://s@h:1/user//a   | actor path must not have an empty element (a leading, doubled or trailing '/'), was '/user//a'",
        "troupe://s@h:1/user/a/   | actor path must not have an empty element (a leading, doubled or trailing '/'), was '/user/a/'",
        "troupe://s@h:1/nope/a    | actor path must start with /user, /system or /temp, was '/nope/a'",
        "troupe://s@h:1/users/a   | actor path must start with /user, /system or /temp, was '/users/a'",
        "troupe://s@h:1/User/a    | actor path must start with /user, /system or /temp, was '/User/a'",
        "troupe://s@h:1/$user     | actor path must start with /user, /system or /temp, was '/$user'",
        "troupe://s@h:1/user/./a  | actor path must not have '.' or '..' elements, was '/user/./a'",
        "troupe://s@h:1/user/..   | actor path must not have '.' or '..' elements, was '/user/..'",
        "troupe://s@h:1/user/a%20b | percent-encoding is not supported in actor paths (no actor name needs it), was '/user/a%20b'",
        "troupe://s@h:1/user/a b  | actor path has an invalid character ' ' at 7 (use letters, digits and -_.~:@+=$), was '/user/a b'",
        "troupe://s@h:1/user/a?q  | actor path has an invalid character '?' at 7 (use letters, digits and -_.~:@+=$), was '/user/a?q'",
        "troupe://s@h:1/user/a#f  | actor path has an invalid character '#' at 7 (use letters, digits and -_.~:@+=$), was '/user/a#f'",
        "troupe://s@h:1/user/é    | actor path has an invalid character 'é' at 6 (use letters, digits and -_.~:@+=$), was '/user/é'",
        "troupe://s@h:1/user/a\\b | actor path has an invalid character '\\' at 7 (use letters, digits and -_.~:@+=$), was '/user/a\\b'",
        "troupe://s@h/user/a      | missing ':port' after the host in 'troupe://s@h/user/a'",
        "troupe://s@h:x/user/a    | port must be a decimal number 1 to 65535, was 'x' in 'troupe://s@h:x/user/a'",
        "troupe://h:1/user/a@b    | missing the system name (troupe://system@host:port) in 'troupe://h:1/user/a@b'",
        "akka://s@h:1/user/a      | scheme must be troupe, was 'akka' in 'akka://s@h:1/user/a'",
        "/user/a                  | not a troupe address (troupe://system@host:port), was '/user/a'",
    })
    void parse_badText_rejectedWithItsRule(String text, String message) {
        // Every rule broken gives an IllegalArgumentException that names the rule and the input.
        assertEquals(message, rejection(text));
    }

    @Test
    void path_limits_elementAndTotalLength() {
        // An element of 255 characters and a path of 1024 are accepted; one more character of
        // either is refused with its length.
        final NodeAddress node = new NodeAddress("s", "h", 1);
        final String e255 = "e".repeat(255);
        node.actor("/user/" + e255);
        assertEquals("actor path elements must be at most 255 characters (an actor name's limit), one was 256 in '/user/"
                + "e".repeat(94) + "...(262 chars)'",
                assertThrows(IllegalArgumentException.class, () -> node.actor("/user/" + e255 + "e")).getMessage());
        final StringBuilder path = new StringBuilder("/user");
        while (path.length() + 256 <= 1024) {
            path.append('/').append(e255);
        }
        final int room = 1024 - path.length() - 1;
        path.append('/').append("f".repeat(room));
        assertEquals(1024, path.length());
        assertEquals(path.toString(), node.actor(path.toString()).path());
        assertEquals("actor path must be at most 1024 characters, was 1025: '" + path.substring(0, 100) + "...(1025 chars)'",
                assertThrows(IllegalArgumentException.class, () -> node.actor(path + "f")).getMessage());
    }

    @Test
    void constructor_relativeOrNull_rejected() {
        // The constructor applies the path rules; null parts are named.
        final NodeAddress node = new NodeAddress("s", "h", 1);
        assertEquals("actor path must be absolute (start with '/'), was 'user/a'",
                assertThrows(IllegalArgumentException.class, () -> new ActorUri(node, "user/a")).getMessage());
        assertEquals("actor path must be absolute (start with '/'), was ''",
                assertThrows(IllegalArgumentException.class, () -> new ActorUri(node, "")).getMessage());
        assertEquals("node", assertThrows(NullPointerException.class, () -> new ActorUri(null, "/user/a")).getMessage());
        assertEquals("path", assertThrows(NullPointerException.class, () -> new ActorUri(node, null)).getMessage());
        assertEquals("text", assertThrows(NullPointerException.class, () -> ActorUri.parse(null)).getMessage());
    }
}
