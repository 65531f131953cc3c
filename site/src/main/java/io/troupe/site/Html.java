package io.troupe.site;

/** HTML text helpers. Stateless; any thread. */
public final class Html {
    private Html() {}

    /**
     * Escapes text for HTML element content and double-quoted attribute values.
     *
     * @param text the text
     * @return the text with {@code & < > "} escaped
     */
    public static String escape(String text) {
        final StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * A heading's anchor id: lower case, letters and digits, words joined by {@code -}.
     *
     * @param text the heading's text
     * @return the id
     */
    public static String slug(String text) {
        final String s = text.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return s.isEmpty() ? "section" : s;
    }
}
