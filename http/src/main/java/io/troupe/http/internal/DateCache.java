package io.troupe.http.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The {@code Date: ...\r\n} header line, formatted at most once per second (per race) and shared
 * by every connection: a response reads one volatile field and compares one long.
 */
final class DateCache {
    /*
     * Threading protocol. Any thread calls line(millis). The entry is immutable; a thread that
     * sees a stale second formats a new entry and publishes it (two threads may both format in the
     * same second: harmless, both entries are equal).
     *
     * Memory ordering. `current` is volatile: an entry's array is fully written before it is
     * published.
     *
     * The wall clock is read by the caller (System.currentTimeMillis, what Date means); nothing
     * here waits on it.
     */
    private static final DateTimeFormatter RFC_1123 = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private record Entry(long second, byte[] line) {}

    private static volatile Entry current = format(System.currentTimeMillis() / 1000);

    private DateCache() {}

    /** The header line for the second of {@code millis}: {@code Date: Wed, 02 Dec 2026 12:30:00 GMT\r\n}. */
    static byte[] line(long millis) {
        final long second = millis / 1000;
        Entry e = current;
        if (e.second != second) {
            e = format(second);
            current = e;
        }
        return e.line;
    }

    private static Entry format(long second) {
        // RFC 1123 as HTTP wants it: always two-digit days ("Wed, 02 Dec 2026 ..."), GMT.
        final String date = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.ROOT)
                .withZone(ZoneOffset.UTC).format(Instant.ofEpochSecond(second));
        return new Entry(second, ("Date: " + date + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    static DateTimeFormatter rfc1123() {
        return RFC_1123;
    }
}
