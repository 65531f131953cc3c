package io.troupe.examples.chat;

import java.util.regex.Pattern;

/** Checks nicknames and room names: letters, digits, {@code _} and {@code -}, 1 to 32 of them. */
final class Names {
    /** The longest name, in characters (and bytes: names are ASCII). */
    static final int MAX_LENGTH = 32;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_LENGTH + "}");

    private Names() {}

    /** Whether {@code name} is a valid nickname or room name. */
    static boolean isValid(String name) {
        return NAME.matcher(name).matches();
    }

    /** What a valid name looks like, for error notices. */
    static String rule() {
        return "1 to " + MAX_LENGTH + " letters, digits, _ or -";
    }
}
