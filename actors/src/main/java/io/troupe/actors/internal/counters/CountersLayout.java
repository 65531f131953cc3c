package io.troupe.actors.internal.counters;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The layout of a Troupe counters file: a header, then counters metadata and values laid out as
 * Agrona's {@code CountersManager} lays them out (512-byte metadata records, 128-byte value
 * slots, native byte order), so Agrona's {@code CountersReader} and tools built on it read the
 * counters too. Shared by the writer ({@link SystemCounters}) and readers (the
 * {@code troupe-stat} tool of {@code io.troupe.observe}). Stateless; any thread.
 *
 * <pre>
 * [0, HEADER_LENGTH)                      header: magic (written last), version, lengths, pid, start time, name
 * [HEADER_LENGTH, +METADATA_LENGTH)       metadata: per counter {int state, int typeId, long deadline, key[112],
 *                                         int labelLength at 128, label}
 * [.., +VALUES_LENGTH)                    values: per counter {long value, ...} every 128 bytes
 * </pre>
 */
public final class CountersLayout {
    private CountersLayout() {
    }

    /** "TROUPEC1" as a long: the header's first word, written last (release). */
    public static final long MAGIC = 0x5452_4F55_5045_4331L;
    /** The layout's version. */
    public static final int VERSION = 1;
    /** Counters per file. */
    public static final int MAX_COUNTERS = 64;
    /** Bytes of one metadata record (Agrona's CountersReader.METADATA_LENGTH). */
    public static final int METADATA_RECORD_LENGTH = 512;
    /** Bytes of one value slot (Agrona's CountersReader.COUNTER_LENGTH). */
    public static final int COUNTER_LENGTH = 128;
    /** Offset of the type id in a metadata record. */
    public static final int TYPE_ID_OFFSET = 4;
    /** Offset of the free-for-reuse deadline (long) in a metadata record. */
    public static final int FREE_FOR_REUSE_DEADLINE_OFFSET = 8;
    /** The deadline of a counter in use: never free for reuse (Agrona's CountersReader.NOT_FREE_TO_REUSE). */
    public static final long NOT_FREE_TO_REUSE = Long.MAX_VALUE;
    /** Offset of the label (an int length, then the bytes) in a metadata record. */
    public static final int LABEL_OFFSET = 128;
    /** The longest label. */
    public static final int MAX_LABEL_LENGTH = 380;
    /** Agrona's RECORD_ALLOCATED. */
    public static final int RECORD_ALLOCATED = 1;
    /** Header bytes (a page, so the counters buffers are aligned). */
    public static final int HEADER_LENGTH = 4096;
    /** Bytes of counter metadata. */
    public static final int METADATA_LENGTH = MAX_COUNTERS * METADATA_RECORD_LENGTH;
    /** Bytes of counter values. */
    public static final int VALUES_LENGTH = MAX_COUNTERS * COUNTER_LENGTH;
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

    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

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

    static void writeHeader(ByteBuffer b, long pid, long startMillis, String systemName) {
        INTS.set(b, VERSION_OFFSET, VERSION);
        INTS.set(b, METADATA_LENGTH_OFFSET, METADATA_LENGTH);
        INTS.set(b, VALUES_LENGTH_OFFSET, VALUES_LENGTH);
        LONGS.set(b, PID_OFFSET, pid);
        LONGS.set(b, START_MILLIS_OFFSET, startMillis);
        final byte[] name = systemName.getBytes(StandardCharsets.US_ASCII);
        final int n = Math.min(name.length, MAX_NAME_LENGTH);
        INTS.set(b, NAME_OFFSET, n);
        b.put(NAME_OFFSET + 4, name, 0, n);
        LONGS.setRelease(b, MAGIC_OFFSET, MAGIC);
    }

    /** Writes counter {@code id}'s metadata record (label, type) and marks it allocated (release). */
    static void writeMetadata(ByteBuffer b, int id, int typeId, String label) {
        final int record = HEADER_LENGTH + id * METADATA_RECORD_LENGTH;
        INTS.set(b, record + TYPE_ID_OFFSET, typeId);
        LONGS.set(b, record + FREE_FOR_REUSE_DEADLINE_OFFSET, NOT_FREE_TO_REUSE); // as Agrona marks a live counter
        final byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
        final int n = Math.min(bytes.length, MAX_LABEL_LENGTH);
        INTS.set(b, record + LABEL_OFFSET, n);
        b.put(record + LABEL_OFFSET + 4, bytes, 0, n);
        INTS.setRelease(b, record, RECORD_ALLOCATED);
    }

    /**
     * The offset of counter {@code id}'s value in the file.
     *
     * @param id the counter id
     * @return its offset
     */
    public static int valueOffset(int id) {
        return HEADER_LENGTH + METADATA_LENGTH + id * COUNTER_LENGTH;
    }

    /**
     * Whether {@code b} holds a complete Troupe counters file of this version.
     *
     * @param b the file's bytes (mapped or read)
     * @return true if the magic and version match and the buffer is long enough
     */
    public static boolean isCountersFile(ByteBuffer b) {
        return b.capacity() >= FILE_LENGTH && (long) LONGS.getAcquire(b, MAGIC_OFFSET) == MAGIC
                && (int) INTS.get(b, VERSION_OFFSET) == VERSION;
    }

    /**
     * The writer's process id.
     *
     * @param b a counters file
     * @return its pid
     */
    public static long pid(ByteBuffer b) {
        return (long) LONGS.get(b, PID_OFFSET);
    }

    /**
     * When the writer started, epoch milliseconds.
     *
     * @param b a counters file
     * @return its start time
     */
    public static long startMillis(ByteBuffer b) {
        return (long) LONGS.get(b, START_MILLIS_OFFSET);
    }

    /**
     * The actor system's name.
     *
     * @param b a counters file
     * @return the name
     */
    public static String systemName(ByteBuffer b) {
        final int n = Math.min((int) INTS.get(b, NAME_OFFSET), MAX_NAME_LENGTH);
        final byte[] bytes = new byte[Math.max(0, n)];
        b.get(NAME_OFFSET + 4, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    /**
     * The counters by label, in id order, read with acquire loads.
     *
     * @param b a counters file
     * @return label to value
     */
    public static Map<String, Long> values(ByteBuffer b) {
        final Map<String, Long> values = new LinkedHashMap<>();
        for (int id = 0; id < MAX_COUNTERS; id++) {
            final int record = HEADER_LENGTH + id * METADATA_RECORD_LENGTH;
            if ((int) INTS.getAcquire(b, record) != RECORD_ALLOCATED) {
                break;
            }
            final int n = Math.min((int) INTS.get(b, record + LABEL_OFFSET), MAX_LABEL_LENGTH);
            final byte[] bytes = new byte[Math.max(0, n)];
            b.get(record + LABEL_OFFSET + 4, bytes);
            values.put(new String(bytes, StandardCharsets.US_ASCII), (long) LONGS.getAcquire(b, valueOffset(id)));
        }
        return values;
    }
}
