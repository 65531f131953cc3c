package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** troupe://system@host:port: what is accepted, in which form it is kept, and every rejection's message. */
@Timeout(30)
class NodeAddressTest {

    private static String rejection(String text) {
        return assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse(text), text).getMessage();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "troupe://sys@127.0.0.1:2552",
        "troupe://my-system_2@localhost:1",
        "troupe://s@node-1.example.com:65535",
        "troupe://S@[::1]:2552",
        "troupe://s@[2001:db8::8:800:200c:417a]:2552",
        "troupe://s@ipc:1001",
        "troupe://s@0.0.0.0:9",
        "troupe://s@255.255.255.255:9",
        "troupe://s@a:9",
    })
    void parse_canonicalText_roundTripsExactly(String text) {
        // The text form of an address reads back into an equal address with the same text.
        final NodeAddress address = NodeAddress.parse(text);
        assertEquals(text, address.toString());
        assertEquals(address, NodeAddress.parse(address.toString()));
    }

    @Test
    void parse_parts_areTheRecordsComponents() {
        // Each part lands in its component; the IPv6 host is kept without brackets.
        assertEquals(new NodeAddress("sys", "127.0.0.1", 2552), NodeAddress.parse("troupe://sys@127.0.0.1:2552"));
        final NodeAddress v6 = NodeAddress.parse("troupe://sys@[::1]:2552");
        assertEquals("sys", v6.system());
        assertEquals("::1", v6.host());
        assertEquals(2552, v6.port());
        assertFalse(v6.isIpc());
        assertTrue(NodeAddress.parse("troupe://sys@ipc:7").isIpc());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // written                                 | kept as
        "troupe://s@LocalHost.Example.COM:1         | troupe://s@localhost.example.com:1",
        "troupe://s@IPC:1                           | troupe://s@ipc:1",
        "troupe://s@[0:0:0:0:0:0:0:1]:1             | troupe://s@[::1]:1",
        "troupe://s@[::0001]:1                      | troupe://s@[::1]:1",
        "troupe://s@[2001:DB8:0:0:1:0:0:1]:1        | troupe://s@[2001:db8::1:0:0:1]:1",
        "troupe://s@[2001:db8:0:0:1:0:0:1]:1        | troupe://s@[2001:db8::1:0:0:1]:1",
        "troupe://s@[2001:0:0:1:0:0:0:1]:1          | troupe://s@[2001:0:0:1::1]:1",
        "troupe://s@[1:0:1:1:1:1:1:1]:1             | troupe://s@[1:0:1:1:1:1:1:1]:1",
        "troupe://s@[::]:1                          | troupe://s@[::]:1",
        "troupe://s@[1::]:1                         | troupe://s@[1::]:1",
        "troupe://s@[::ffff:192.0.2.1]:1            | troupe://s@[::ffff:c000:201]:1",
        "troupe://s@[1:2:3:4:5:6:7::]:1             | troupe://s@[1:2:3:4:5:6:7:0]:1",
        "troupe://s@127.0.0.1:02552                 | troupe://s@127.0.0.1:2552",
    })
    void parse_equivalentSpellings_oneCanonicalAddress(String written, String kept) {
        // Case in hostnames and the many spellings of an IPv6 address give one address (RFC 5952 form).
        assertEquals(kept, NodeAddress.parse(written).toString());
        assertEquals(NodeAddress.parse(kept), NodeAddress.parse(written));
    }

    @Test
    void constructor_ipv6WithOrWithoutBrackets_sameAddress() {
        // The constructor takes an IPv6 host bare or bracketed and keeps it bare and canonical.
        assertEquals(new NodeAddress("s", "::1", 5), new NodeAddress("s", "[0::1]", 5));
        assertEquals("troupe://s@[::1]:5", new NodeAddress("s", "::1", 5).toString());
        assertEquals(new NodeAddress("s", "example.com", 5), new NodeAddress("s", "EXAMPLE.com", 5));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "http://s@h:1              | scheme must be troupe, was 'http' in 'http://s@h:1'",
        "TROUPE://s@h:1            | scheme must be troupe, was 'TROUPE' in 'TROUPE://s@h:1'",
        "s@h:1                     | not a troupe address (troupe://system@host:port), was 's@h:1'",
        "troupe:/s@h:1             | not a troupe address (troupe://system@host:port), was 'troupe:/s@h:1'",
        "troupe://h:1              | missing the system name (troupe://system@host:port) in 'troupe://h:1'",
        "troupe://@h:1             | system name must be 1 to 64 characters of [A-Za-z0-9_-], was 0 characters: ''",
        "troupe://a.b@h:1          | system name must be 1 to 64 characters of [A-Za-z0-9_-], was 'a.b' (invalid '.' at 1)",
        "troupe://s@h              | missing ':port' after the host in 'troupe://s@h'",
        "troupe://s@h:             | port must be 1 to 65535, was '' in 'troupe://s@h:'",
        "troupe://s@h:0            | port must be 1 to 65535, was 0",
        "troupe://s@h:65536        | port must be 1 to 65535, was 65536",
        "troupe://s@h:123456       | port must be 1 to 65535, was '123456' in 'troupe://s@h:123456'",
        "troupe://s@h:-1           | port must be a decimal number 1 to 65535, was '-1' in 'troupe://s@h:-1'",
        "troupe://s@h:+1           | port must be a decimal number 1 to 65535, was '+1' in 'troupe://s@h:+1'",
        "troupe://s@h:1?x          | port must be a decimal number 1 to 65535, was '1?x' in 'troupe://s@h:1?x'",
        "troupe://s@:1             | host must not be empty",
        "troupe://s@h_1:1          | host must be a hostname (letters, digits, '-' and '.'), an IPv4 address, a bracketed IPv6 address or ipc; invalid '_' at 1 in 'h_1'",
        "troupe://s@-h:1           | hostname labels must not start or end with '-', host was '-h'",
        "troupe://s@h-.com:1       | hostname labels must not start or end with '-', host was 'h-.com'",
        "troupe://s@a..b:1         | hostname labels must be 1 to 63 characters, host was 'a..b'",
        "troupe://s@example.com.:1 | hostname labels must be 1 to 63 characters, host was 'example.com.'",
        "troupe://s@a%20b:1        | percent-encoding is not supported, host was 'a%20b'",
        "troupe://s@256.0.0.1:1    | invalid IPv4 address '256.0.0.1' (four numbers 0 to 255 without leading zeros) in '256.0.0.1'",
        "troupe://s@010.0.0.1:1    | invalid IPv4 address '010.0.0.1' (four numbers 0 to 255 without leading zeros) in '010.0.0.1'",
        "troupe://s@1.2.3:1        | invalid IPv4 address '1.2.3' (four numbers 0 to 255 without leading zeros) in '1.2.3'",
        "troupe://s@1.2.3.4.5:1    | invalid IPv4 address '1.2.3.4.5' (four numbers 0 to 255 without leading zeros) in '1.2.3.4.5'",
        "troupe://s@::1:2552       | an IPv6 address must be in brackets (troupe://system@[::1]:port), was 'troupe://s@::1:2552'",
        "troupe://s@[::1:2552      | missing ']' after the IPv6 address in 'troupe://s@[::1:2552'",
        "troupe://s@[::1]2552      | missing ':port' after the host in 'troupe://s@[::1]2552'",
        "troupe://s@[::1]          | missing ':port' after the host in 'troupe://s@[::1]'",
        "troupe://s@[fe80::1%25eth0]:1 | IPv6 zone ids (and percent-encoding) are not supported, was 'fe80::1%25eth0'",
        "troupe://s@[1:2:3:4:5:6:7:8:9]:1 | invalid IPv6 address '1:2:3:4:5:6:7:8:9'",
        "troupe://s@[1:2:3:4:5:6:7:8::]:1 | invalid IPv6 address '1:2:3:4:5:6:7:8::'",
        "troupe://s@[1::2::3]:1    | invalid IPv6 address '1::2::3'",
        "troupe://s@[12345::]:1    | invalid IPv6 address '12345::'",
        "troupe://s@[1:2:3]:1      | invalid IPv6 address '1:2:3'",
        "troupe://s@[1:]:1         | invalid IPv6 address '1:'",
        "troupe://s@[:1]:1         | invalid IPv6 address ':1'",
        "troupe://s@[g::1]:1       | invalid IPv6 address 'g::1'",
        "troupe://s@[::1.2.3.256]:1 | invalid IPv4 address '1.2.3.256' (four numbers 0 to 255 without leading zeros) in '::1.2.3.256'",
        "troupe://s@[]:1           | invalid IPv6 address ''",
        "troupe://s@h:1/user/a     | a node address ends after the port (an actor's address is read by ActorUri.parse), was 'troupe://s@h:1/user/a'",
        "troupe://s@h:1/           | a node address ends after the port (an actor's address is read by ActorUri.parse), was 'troupe://s@h:1/'",
    })
    void parse_badText_rejectedWithItsRule(String text, String message) {
        // Every rule broken gives an IllegalArgumentException that names the rule and the input.
        assertEquals(message, rejection(text));
    }

    @Test
    void parse_limits_lengthsAtAndOverTheBound() {
        // A system name of 64 characters and a 253-character hostname of 63-character labels are
        // accepted; one character more is not; a long input is quoted cut short in the message.
        final String system64 = "s".repeat(64);
        assertEquals(system64, NodeAddress.parse("troupe://" + system64 + "@h:1").system());
        assertEquals("system name must be 1 to 64 characters of [A-Za-z0-9_-], was 65 characters: '" + "s".repeat(65) + "'",
                rejection("troupe://" + "s".repeat(65) + "@h:1"));
        final String label = "a".repeat(63);
        final String host253 = label + "." + label + "." + label + "." + "b".repeat(61);
        assertEquals(253, host253.length());
        assertEquals(host253, NodeAddress.parse("troupe://s@" + host253 + ":1").host());
        assertEquals("hostname must be at most 253 characters, was 254", rejection("troupe://s@" + host253 + "b:1"));
        assertEquals("hostname labels must be 1 to 63 characters, host was '" + label + "a'",
                rejection("troupe://s@" + label + "a:1"));
        final String garbage = "x".repeat(5000);
        assertEquals("not a troupe address (troupe://system@host:port), was '" + "x".repeat(100) + "...(5000 chars)'",
                rejection(garbage));
    }

    @Test
    void constructor_badParts_rejected() {
        // The constructor applies the rules of parse, and null parts are named.
        assertEquals("port must be 1 to 65535, was 0",
                assertThrows(IllegalArgumentException.class, () -> new NodeAddress("s", "h", 0)).getMessage());
        assertEquals("system name must be 1 to 64 characters of [A-Za-z0-9_-], was 's s' (invalid ' ' at 1)",
                assertThrows(IllegalArgumentException.class, () -> new NodeAddress("s s", "h", 1)).getMessage());
        assertEquals("host must not be empty",
                assertThrows(IllegalArgumentException.class, () -> new NodeAddress("s", "", 1)).getMessage());
        assertEquals("system", assertThrows(NullPointerException.class, () -> new NodeAddress(null, "h", 1)).getMessage());
        assertEquals("host", assertThrows(NullPointerException.class, () -> new NodeAddress("s", null, 1)).getMessage());
        assertEquals("text", assertThrows(NullPointerException.class, () -> NodeAddress.parse(null)).getMessage());
    }

    @Test
    void actor_pathOnThisNode_givesTheActorsUri() {
        // actor(path) joins the node and a path into an ActorUri.
        final NodeAddress node = NodeAddress.parse("troupe://s@[::1]:2552");
        assertEquals("troupe://s@[::1]:2552/user/a", node.actor("/user/a").toString());
        assertEquals(node, node.actor("/user/a").node());
    }
}
