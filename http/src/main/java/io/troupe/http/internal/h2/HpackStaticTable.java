package io.troupe.http.internal.h2;

import java.util.HashMap;
import java.util.Map;

/**
 * The static table of RFC 7541 Appendix A (indexes 1 to 61). Immutable, shared by every thread.
 */
final class HpackStaticTable {
    /** The number of entries; dynamic table indexes start after it. */
    static final int LENGTH = 61;

    private static final String[] NAMES = new String[LENGTH + 1];
    private static final String[] VALUES = new String[LENGTH + 1];
    /** Name to its smallest index; entries with one name have consecutive indexes. */
    private static final Map<String, Integer> FIRST_INDEX = new HashMap<>();

    static {
        final String[][] entries = {
            {":authority", ""}, {":method", "GET"}, {":method", "POST"}, {":path", "/"},
            {":path", "/index.html"}, {":scheme", "http"}, {":scheme", "https"}, {":status", "200"},
            {":status", "204"}, {":status", "206"}, {":status", "304"}, {":status", "400"},
            {":status", "404"}, {":status", "500"}, {"accept-charset", ""},
            {"accept-encoding", "gzip, deflate"}, {"accept-language", ""}, {"accept-ranges", ""},
            {"accept", ""}, {"access-control-allow-origin", ""}, {"age", ""}, {"allow", ""},
            {"authorization", ""}, {"cache-control", ""}, {"content-disposition", ""},
            {"content-encoding", ""}, {"content-language", ""}, {"content-length", ""},
            {"content-location", ""}, {"content-range", ""}, {"content-type", ""}, {"cookie", ""},
            {"date", ""}, {"etag", ""}, {"expect", ""}, {"expires", ""}, {"from", ""}, {"host", ""},
            {"if-match", ""}, {"if-modified-since", ""}, {"if-none-match", ""}, {"if-range", ""},
            {"if-unmodified-since", ""}, {"last-modified", ""}, {"link", ""}, {"location", ""},
            {"max-forwards", ""}, {"proxy-authenticate", ""}, {"proxy-authorization", ""},
            {"range", ""}, {"referer", ""}, {"refresh", ""}, {"retry-after", ""}, {"server", ""},
            {"set-cookie", ""}, {"strict-transport-security", ""}, {"transfer-encoding", ""},
            {"user-agent", ""}, {"vary", ""}, {"via", ""}, {"www-authenticate", ""},
        };
        for (int i = 0; i < LENGTH; i++) {
            NAMES[i + 1] = entries[i][0];
            VALUES[i + 1] = entries[i][1];
            FIRST_INDEX.putIfAbsent(entries[i][0], i + 1);
        }
    }

    private HpackStaticTable() {}

    /** The name at {@code index}, 1 to {@link #LENGTH}. */
    static String name(int index) {
        return NAMES[index];
    }

    /** The value at {@code index}, 1 to {@link #LENGTH}. */
    static String value(int index) {
        return VALUES[index];
    }

    /** The smallest index with this name, or 0. */
    static int nameIndex(String name) {
        final Integer index = FIRST_INDEX.get(name);
        return index == null ? 0 : index;
    }

    /** The index whose name and value both match, or 0; {@code nameIndex} is {@link #nameIndex(String)}. */
    static int fullIndex(int nameIndex, String name, String value) {
        if (nameIndex == 0) {
            return 0;
        }
        for (int i = nameIndex; i <= LENGTH && NAMES[i].equals(name); i++) {
            if (VALUES[i].equals(value)) {
                return i;
            }
        }
        return 0;
    }
}
