package io.troupe.actors.internal.counters;

import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * The layout of a Troupe counters file: a header, then Agrona's counters metadata and values.
 * Shared by the writer ({@link SystemCounters}) and readers (the {@code troupe-stat} tool of
 * {@code io.troupe.observe}). Stateless; any thread.
 */
public final class CountersLayout {
    private CountersLayout() {
    }

    /** "TROUPEC1" as a long: the header's first word, written last. */
    public static final long MAGIC = 0x5452_4F55_5045_4331L;
    /** The layout's version. */
    public static final int VERSION = 1;
    /** Counters per file. */
    public static final int MAX_COUNTERS = 64;
    /** Header bytes (a page, so the counters buffers are aligned). */
    public static final int HEADER_LENGTH = 4096;
    /** Bytes of counter metadata. */
    public static final int METADATA_LENGTH = MAX_COUNTERS * CountersReader.METADATA_LENGTH;
    /** Bytes of counter values. */
    public static final int VALUES_LENGTH = MAX_COUNTERS * CountersReader.COUNTER_LENGTH;
    /** The whole file's length. */
    public static final int FILE_LENGTH = HEADER_LENGTH + METADATA_LENGTH + VALUES_LENGTH;

    /** Counter type of a per-system counter. */
    public static final int TYPE_SYSTEM = 1;
    /** Counter type of the heartbeat (epoch milliseconds). */
    public static final int TYPE_HEARTBEAT = 2;

    /** Offset of the magic (long). */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version (int). */
    public static final int VERSION_OFFSET = 8;
    /** Offset of the metadata length (int). */
    public static final int METADATA_LENGTH_OFFSET = 12;
    /** Offset of the values length (int). */
    public static final int VALUES_LENGTH_OFFSET = 16;
    /** Offset of the writer's pid (long). */
    public static final int PID_OFFSET = 24;
    /** Offset of the start time, epoch milliseconds (long). */
    public static final int START_MILLIS_OFFSET = 32;
    /** Offset of the system name (an int length, then ASCII). */
    public static final int NAME_OFFSET = 40;
    /** The longest system name stored (longer names are cut). */
    public static final int MAX_NAME_LENGTH = 1024;
    /** File names end with this. */
    public static final String SUFFIX = ".counters";

    /**
     * The file name of a system's counters.
     *
     * @param pid the process id
     * @param systemName the system's name
     * @return {@code troupe-<pid>-<name>.counters}
     */
    public static String fileName(long pid, String systemName) {
        return "troupe-" + pid + "-" + systemName + SUFFIX;
    }

    static void writeHeader(AtomicBuffer b, long pid, long startMillis, String systemName) {
        b.putInt(VERSION_OFFSET, VERSION);
        b.putInt(METADATA_LENGTH_OFFSET, METADATA_LENGTH);
        b.putInt(VALUES_LENGTH_OFFSET, VALUES_LENGTH);
        b.putLong(PID_OFFSET, pid);
        b.putLong(START_MILLIS_OFFSET, startMillis);
        final byte[] name = systemName.getBytes(StandardCharsets.US_ASCII);
        final int n = Math.min(name.length, MAX_NAME_LENGTH);
        b.putInt(NAME_OFFSET, n);
        b.putBytes(NAME_OFFSET + 4, name, 0, n);
        b.putLongRelease(MAGIC_OFFSET, MAGIC);
    }
}
