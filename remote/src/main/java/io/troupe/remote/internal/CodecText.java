package io.troupe.remote.internal;

/** Text for error messages about bytes that came from elsewhere. Stateless; any thread. */
public final class CodecText {
    /** How many characters of a received string an error message quotes. */
    public static final int MAX_QUOTED_CHARS = 80;

    private CodecText() {}

    /**
     * {@code s} in quotes, cut to {@link #MAX_QUOTED_CHARS} characters so that a hostile string
     * cannot flood a log line.
     *
     * @param s the string
     * @return the quoted string
     */
    public static String quote(String s) {
        if (s.length() <= MAX_QUOTED_CHARS) {
            return '"' + s + '"';
        }
        return '"' + s.substring(0, MAX_QUOTED_CHARS) + "\"... (" + s.length() + " chars)";
    }
}
