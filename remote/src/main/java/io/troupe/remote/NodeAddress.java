package io.troupe.remote;

import java.util.Locale;
import java.util.Objects;

/**
 * Where a remote node (an {@link io.troupe.actors.ActorSystem} with remoting on) is reached:
 * {@code troupe://system@host:port}. Immutable, any thread; equal addresses name the same node
 * (not the same incarnation of it: a node that restarts at the same address is told apart by its
 * uid in the handshake).
 *
 * <p>Parts and their rules (each broken rule is an {@link IllegalArgumentException} naming it):
 * <ul>
 *   <li>{@code system}: the actor system's name, 1 to {@value #MAX_SYSTEM_LENGTH} characters of
 *       {@code [A-Za-z0-9_-]} (narrower than a local system's name may be: a system meant to be
 *       reached remotely takes a name from this set).</li>
 *   <li>{@code host}: a hostname (RFC 1123 labels of letters, digits and {@code -}, at most 253
 *       characters; kept in lower case), an IPv4 address in dotted decimal (no leading zeros), an
 *       IPv6 address (bracketed in the text form, kept without brackets and in the canonical form
 *       of RFC 5952, so that {@code [0:0:0:0:0:0:0:1]} and {@code [::1]} are one address; zone ids
 *       are not supported), or the literal {@value #IPC_HOST} for Aeron's shared-memory transport
 *       between processes of one machine.</li>
 *   <li>{@code port}: 1 to 65535; the UDP port, or for {@value #IPC_HOST} the Aeron stream id.</li>
 * </ul>
 * Percent-encoding is not supported anywhere in the address (no part needs it).
 *
 * @param system the actor system's name
 * @param host the hostname or address (IPv6 without brackets), or {@value #IPC_HOST}
 * @param port the UDP port, or the IPC stream id
 */
public record NodeAddress(String system, String host, int port) {
    /** The URI scheme: {@code troupe}. */
    public static final String SCHEME = "troupe";
    /** The host of the IPC transport (Aeron shared memory on one machine), where the port is the stream id. */
    public static final String IPC_HOST = "ipc";
    /** The longest system name. */
    public static final int MAX_SYSTEM_LENGTH = 64;

    static final String PREFIX = SCHEME + "://";
    private static final int MAX_HOSTNAME_LENGTH = 253;
    private static final int MAX_QUOTED = 100;

    /**
     * Checks and normalises the parts: a hostname to lower case, an IPv6 address (with or without
     * brackets) to its canonical form without brackets. O(length); any thread.
     *
     * @param system the actor system's name
     * @param host a hostname, IPv4 address, IPv6 address (brackets optional) or {@value #IPC_HOST}
     * @param port the UDP port, or the IPC stream id
     * @throws IllegalArgumentException if a part breaks its rule (see the class comment)
     * @throws NullPointerException if the system or the host is null
     */
    public NodeAddress {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(host, "host");
        checkSystem(system);
        host = normalizeHost(host, false);
        checkPort(port);
    }

    /**
     * Reads {@code troupe://system@host:port} (an IPv6 host in brackets). O(length), no regular
     * expressions; any thread.
     *
     * @param text the address; nothing may follow the port (not even {@code /})
     * @return the address
     * @throws IllegalArgumentException naming the rule the text breaks (see the class comment)
     * @throws NullPointerException if the text is null
     */
    public static NodeAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        final int end = authorityEnd(text);
        if (end < text.length()) {
            throw new IllegalArgumentException("a node address ends after the port (an actor's address is read by "
                    + "ActorUri.parse), was " + quote(text));
        }
        return parseAuthority(text, end);
    }

    /**
     * The address of the actor at {@code path} on this node. O(length of the path); any thread.
     *
     * @param path an absolute actor path such as {@code /user/a/b}
     * @return the actor's URI
     * @throws IllegalArgumentException if the path breaks a rule of {@link ActorUri}
     */
    public ActorUri actor(String path) {
        return new ActorUri(this, path);
    }

    /**
     * Whether this node is reached over Aeron IPC (host {@value #IPC_HOST}), where the port is a
     * stream id. O(1); any thread.
     *
     * @return true for the IPC transport
     */
    public boolean isIpc() {
        return IPC_HOST.equals(host);
    }

    /**
     * The text form, {@code troupe://system@host:port}, with an IPv6 host in brackets; what
     * {@link #parse} reads back into an equal address. Allocates the string each call; any thread.
     *
     * @return the address as text
     */
    @Override
    public String toString() {
        final boolean ipv6 = host.indexOf(':') >= 0;
        return PREFIX + system + '@' + (ipv6 ? "[" + host + "]" : host) + ':' + port;
    }

    // ------------------------------------------------------------------ reading (shared with ActorUri)

    /** The index just after the port: the first '/' after the scheme, or the end of the text. */
    static int authorityEnd(String text) {
        if (!text.startsWith(PREFIX)) {
            final int colon = text.indexOf("://");
            if (colon > 0) {
                throw new IllegalArgumentException("scheme must be troupe, was '" + truncate(text.substring(0, colon))
                        + "' in " + quote(text));
            }
            throw new IllegalArgumentException("not a troupe address (troupe://system@host:port), was " + quote(text));
        }
        final int slash = text.indexOf('/', PREFIX.length());
        return slash < 0 ? text.length() : slash;
    }

    /** Reads system@host:port between the scheme and {@code end}; {@code text} is quoted in errors. */
    static NodeAddress parseAuthority(String text, int end) {
        final int at = text.indexOf('@', PREFIX.length());
        if (at < 0 || at >= end) {
            throw new IllegalArgumentException("missing the system name (troupe://system@host:port) in " + quote(text));
        }
        final String system = text.substring(PREFIX.length(), at);
        checkSystem(system);
        final int hostStart = at + 1;
        final String host;
        final int portColon;
        if (hostStart < end && text.charAt(hostStart) == '[') {
            final int close = text.indexOf(']', hostStart);
            if (close < 0 || close >= end) {
                throw new IllegalArgumentException("missing ']' after the IPv6 address in " + quote(text));
            }
            host = normalizeHost(text.substring(hostStart, close + 1), true);
            portColon = close + 1;
            if (portColon >= end || text.charAt(portColon) != ':') {
                throw new IllegalArgumentException("missing ':port' after the host in " + quote(text));
            }
        } else {
            portColon = text.lastIndexOf(':', end - 1);
            if (portColon < hostStart) {
                throw new IllegalArgumentException("missing ':port' after the host in " + quote(text));
            }
            final String hostText = text.substring(hostStart, portColon);
            if (hostText.indexOf(':') >= 0) {
                throw new IllegalArgumentException("an IPv6 address must be in brackets (troupe://system@[::1]:port), was "
                        + quote(text));
            }
            host = normalizeHost(hostText, true);
        }
        return new NodeAddress(system, host, parsePort(text.substring(portColon + 1, end), text));
    }

    private static int parsePort(String digits, String text) {
        if (digits.isEmpty() || digits.length() > 5) {
            throw new IllegalArgumentException("port must be 1 to 65535, was '" + truncate(digits) + "' in " + quote(text));
        }
        int port = 0;
        for (int i = 0; i < digits.length(); i++) {
            final char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("port must be a decimal number 1 to 65535, was '" + digits + "' in "
                        + quote(text));
            }
            port = port * 10 + (c - '0');
        }
        checkPort(port);
        return port;
    }

    private static void checkPort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1 to 65535, was " + port);
        }
    }

    private static void checkSystem(String system) {
        if (system.isEmpty() || system.length() > MAX_SYSTEM_LENGTH) {
            throw new IllegalArgumentException("system name must be 1 to " + MAX_SYSTEM_LENGTH
                    + " characters of [A-Za-z0-9_-], was " + system.length() + " characters: " + quote(system));
        }
        for (int i = 0; i < system.length(); i++) {
            final char c = system.charAt(i);
            if (!(isAsciiLetterOrDigit(c) || c == '_' || c == '-')) {
                throw new IllegalArgumentException("system name must be 1 to " + MAX_SYSTEM_LENGTH
                        + " characters of [A-Za-z0-9_-], was " + quote(system) + " (invalid '" + c + "' at " + i + ")");
            }
        }
    }

    // ------------------------------------------------------------------ hosts

    /**
     * The host in its kept form. {@code bracketsRequired}: the text form, where an IPv6 address
     * must come in brackets; the constructor also takes one without.
     */
    private static String normalizeHost(String host, boolean bracketsRequired) {
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (host.charAt(0) == '[') {
            if (host.length() < 2 || host.charAt(host.length() - 1) != ']') {
                throw new IllegalArgumentException("missing ']' after the IPv6 address " + quote(host));
            }
            return canonicalIpv6(host.substring(1, host.length() - 1));
        }
        if (host.indexOf(':') >= 0) {
            if (bracketsRequired) {
                throw new IllegalArgumentException("an IPv6 address must be in brackets, was " + quote(host));
            }
            return canonicalIpv6(host);
        }
        if (host.indexOf('%') >= 0) {
            throw new IllegalArgumentException("percent-encoding is not supported, host was " + quote(host));
        }
        if (IPC_HOST.equalsIgnoreCase(host)) {
            return IPC_HOST;
        }
        final int lastDot = host.lastIndexOf('.');
        if (isAllDigits(host, lastDot + 1, host.length())) {
            checkIpv4(host, host);
            return host;
        }
        return checkHostname(host);
    }

    /** A hostname after RFC 1123, lower-cased. Its last label is not all digits (that is an IPv4 attempt). */
    private static String checkHostname(String host) {
        if (host.length() > MAX_HOSTNAME_LENGTH) {
            throw new IllegalArgumentException("hostname must be at most " + MAX_HOSTNAME_LENGTH + " characters, was "
                    + host.length());
        }
        int labelStart = 0;
        for (int i = 0; i <= host.length(); i++) {
            final char c = i < host.length() ? host.charAt(i) : '.';
            if (c == '.') {
                final int length = i - labelStart;
                if (length == 0 || length > 63) {
                    throw new IllegalArgumentException("hostname labels must be 1 to 63 characters, host was " + quote(host));
                }
                if (host.charAt(labelStart) == '-' || host.charAt(i - 1) == '-') {
                    throw new IllegalArgumentException("hostname labels must not start or end with '-', host was "
                            + quote(host));
                }
                labelStart = i + 1;
            } else if (!(isAsciiLetterOrDigit(c) || c == '-')) {
                throw new IllegalArgumentException("host must be a hostname (letters, digits, '-' and '.'), an IPv4 "
                        + "address, a bracketed IPv6 address or ipc; invalid '" + c + "' at " + i + " in " + quote(host));
            }
        }
        return host.toLowerCase(Locale.ROOT);
    }

    /** Four decimal octets 0..255 without leading zeros (which some parsers read as octal). */
    private static void checkIpv4(String address, String context) {
        int octets = 0;
        int start = 0;
        for (int i = 0; i <= address.length(); i++) {
            if (i == address.length() || address.charAt(i) == '.') {
                if (!isAllDigits(address, start, i) || i - start > 3 || (i - start > 1 && address.charAt(start) == '0')
                        || Integer.parseInt(address, start, i, 10) > 255) {
                    throw new IllegalArgumentException("invalid IPv4 address " + quote(address)
                            + " (four numbers 0 to 255 without leading zeros) in " + quote(context));
                }
                octets++;
                start = i + 1;
            }
        }
        if (octets != 4) {
            throw new IllegalArgumentException("invalid IPv4 address " + quote(address)
                    + " (four numbers 0 to 255 without leading zeros) in " + quote(context));
        }
    }

    /**
     * Parses an IPv6 address (RFC 4291 text: eight groups of up to four hex digits, one "::" for a
     * run of zero groups, an optional dotted IPv4 tail) and prints it as RFC 5952 says: lower case,
     * no leading zeros, the longest run of two or more zero groups (the first of equals) as "::".
     */
    private static String canonicalIpv6(String text) {
        if (text.indexOf('%') >= 0) {
            throw new IllegalArgumentException("IPv6 zone ids (and percent-encoding) are not supported, was " + quote(text));
        }
        final int[] groups = new int[8];
        int count = 0;
        int gap = -1; // index in groups where "::" stands
        int i = 0;
        final int n = text.length();
        if (text.startsWith("::")) {
            gap = 0;
            i = 2;
        }
        while (i < n) {
            int j = i;
            while (j < n && isAsciiHexDigit(text.charAt(j))) {
                j++;
            }
            if (j < n && text.charAt(j) == '.') { // the IPv4 tail: takes two groups and ends the address
                if (count > 6) {
                    throw invalidIpv6(text);
                }
                final String v4 = text.substring(i);
                checkIpv4(v4, text);
                final String[] parts = v4.split("\\.");
                groups[count++] = Integer.parseInt(parts[0]) << 8 | Integer.parseInt(parts[1]);
                groups[count++] = Integer.parseInt(parts[2]) << 8 | Integer.parseInt(parts[3]);
                i = n;
                break;
            }
            if (j == i || j - i > 4 || count == 8) {
                throw invalidIpv6(text);
            }
            groups[count++] = Integer.parseInt(text, i, j, 16);
            if (j == n) {
                i = n;
                break;
            }
            if (text.charAt(j) != ':') {
                throw invalidIpv6(text);
            }
            if (j + 1 < n && text.charAt(j + 1) == ':') {
                if (gap >= 0) {
                    throw invalidIpv6(text);
                }
                gap = count;
                i = j + 2;
            } else {
                i = j + 1;
                if (i == n) {
                    throw invalidIpv6(text); // a trailing single ':'
                }
            }
        }
        if (gap >= 0) {
            if (count == 8) {
                throw invalidIpv6(text); // "::" must stand for at least one group
            }
            final int tail = count - gap;
            System.arraycopy(groups, gap, groups, 8 - tail, tail);
            java.util.Arrays.fill(groups, gap, 8 - tail, 0);
        } else if (count != 8) {
            throw invalidIpv6(text);
        }
        return formatIpv6(groups);
    }

    private static String formatIpv6(int[] groups) {
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        final StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    private static IllegalArgumentException invalidIpv6(String text) {
        return new IllegalArgumentException("invalid IPv6 address " + quote(text));
    }

    // ------------------------------------------------------------------ helpers

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static boolean isAsciiHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isAllDigits(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            final char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** The text in quotes for a message, cut at 100 characters: garbage from the network can be long. */
    static String quote(String text) {
        return "'" + truncate(text) + "'";
    }

    private static String truncate(String text) {
        return text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED) + "...(" + text.length() + " chars)";
    }
}
