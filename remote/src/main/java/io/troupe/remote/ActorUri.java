package io.troupe.remote;

import io.troupe.actors.SpawnOptions;
import java.util.Objects;

/**
 * The address of one actor on one node: {@code troupe://system@host:port/user/a/b}, the form in
 * which refs travel between nodes. Immutable, any thread; equal URIs name the same actor of the
 * same node.
 *
 * <p>The path is what {@link io.troupe.actors.ActorRef#path()} gives on the owning node, and
 * exactly the paths a spawned actor can have are accepted:
 * <ul>
 *   <li>absolute: it starts with {@code /}, and is at most {@value #MAX_PATH_LENGTH} characters;</li>
 *   <li>its first element is {@code user}, {@code system} or {@code temp} (the roots: application
 *       actors, the runtime's own, and short-lived reply targets such as those of a remote
 *       {@code ask}); the root alone ({@code /user}) names the guardian;</li>
 *   <li>every element is 1 to {@value SpawnOptions#MAX_NAME_LENGTH} characters of the actor-name
 *       alphabet ({@code A-Z a-z 0-9} and {@code -_.~:@+=}, as {@link SpawnOptions#named} checks)
 *       plus {@code $}, which starts the names the runtime generates ({@code $1x3}, {@code $ask-12});
 *       no element is empty, {@code .} or {@code ..}.</li>
 * </ul>
 * No query, fragment or percent-encoding (none of these characters can be in an actor's name, so
 * nothing needs escaping). The node part follows {@link NodeAddress}'s rules. Each broken rule is
 * an {@link IllegalArgumentException} naming it.
 *
 * @param node the node the actor lives on
 * @param path the actor's absolute path on that node, such as {@code /user/a/b}
 */
public record ActorUri(NodeAddress node, String path) {
    /** The longest path. */
    public static final int MAX_PATH_LENGTH = 1024;

    private static final String NAME_PUNCTUATION = "-_.~:@+=$";

    /**
     * Checks the path. O(length of the path); any thread.
     *
     * @param node the node the actor lives on
     * @param path the actor's absolute path on that node
     * @throws IllegalArgumentException if the path breaks a rule of the class comment
     * @throws NullPointerException if the node or the path is null
     */
    public ActorUri {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(path, "path");
        checkPath(path);
    }

    /**
     * Reads {@code troupe://system@host:port/path} (an IPv6 host in brackets). O(length), no
     * regular expressions; any thread.
     *
     * @param text the actor's URI
     * @return the URI
     * @throws IllegalArgumentException naming the rule the text breaks
     * @throws NullPointerException if the text is null
     */
    public static ActorUri parse(String text) {
        Objects.requireNonNull(text, "text");
        final int end = NodeAddress.authorityEnd(text);
        final NodeAddress node = NodeAddress.parseAuthority(text, end);
        if (end == text.length()) {
            throw new IllegalArgumentException("an actor URI needs a path after the port (troupe://system@host:port/user/name), was "
                    + NodeAddress.quote(text));
        }
        return new ActorUri(node, text.substring(end));
    }

    /**
     * The actor's name: the last element of the path. Allocates the substring; any thread.
     *
     * @return the name, such as {@code b} for {@code /user/a/b}
     */
    public String name() {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /**
     * The text form: the node's, then the path, such as {@code troupe://sys@127.0.0.1:2552/user/a};
     * what {@link #parse} reads back into an equal URI. Allocates the string each call; any thread.
     *
     * @return the URI as text
     */
    @Override
    public String toString() {
        return node + path;
    }

    private static void checkPath(String path) {
        if (path.length() > MAX_PATH_LENGTH) {
            throw new IllegalArgumentException("actor path must be at most " + MAX_PATH_LENGTH + " characters, was "
                    + path.length() + ": " + NodeAddress.quote(path));
        }
        if (path.isEmpty() || path.charAt(0) != '/') {
            throw new IllegalArgumentException("actor path must be absolute (start with '/'), was " + NodeAddress.quote(path));
        }
        int start = 1;
        for (int i = 1; i <= path.length(); i++) {
            if (i < path.length() && path.charAt(i) != '/') {
                continue;
            }
            checkElement(path, start, i);
            start = i + 1;
        }
    }

    /** The element path[from, to); the first element must be a root. */
    private static void checkElement(String path, int from, int to) {
        final int length = to - from;
        if (length == 0) {
            throw new IllegalArgumentException("actor path must not have an empty element (a leading, doubled or "
                    + "trailing '/'), was " + NodeAddress.quote(path));
        }
        if (from == 1) {
            if (!isRoot(path.substring(1, to))) {
                throw new IllegalArgumentException("actor path must start with /user, /system or /temp, was "
                        + NodeAddress.quote(path));
            }
            return;
        }
        if ((length == 1 && path.charAt(from) == '.') || (length == 2 && path.startsWith("..", from))) {
            throw new IllegalArgumentException("actor path must not have '.' or '..' elements, was " + NodeAddress.quote(path));
        }
        if (length > SpawnOptions.MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("actor path elements must be at most " + SpawnOptions.MAX_NAME_LENGTH
                    + " characters (an actor name's limit), one was " + length + " in " + NodeAddress.quote(path));
        }
        for (int i = from; i < to; i++) {
            final char c = path.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || NAME_PUNCTUATION.indexOf(c) >= 0) {
                continue;
            }
            if (c == '%') {
                throw new IllegalArgumentException("percent-encoding is not supported in actor paths (no actor name "
                        + "needs it), was " + NodeAddress.quote(path));
            }
            throw new IllegalArgumentException("actor path has an invalid character '" + c + "' at " + i
                    + " (use letters, digits and -_.~:@+=$), was " + NodeAddress.quote(path));
        }
    }

    private static boolean isRoot(String element) {
        return element.equals("user") || element.equals("system") || element.equals("temp");
    }
}
