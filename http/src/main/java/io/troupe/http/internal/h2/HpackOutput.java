package io.troupe.http.internal.h2;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A growable byte buffer that {@link HpackEncoder} appends a header block to. NOT thread safe: one
 * connection's turn uses it at a time.
 *
 * <p>Appending costs an array copy when the buffer grows (doubling); {@link #clear()} keeps the
 * array, so a connection that reuses one output allocates only until its largest block.
 */
public final class HpackOutput {
    private byte[] bytes;
    private int length;

    /** Creates an empty output with a small initial capacity. */
    public HpackOutput() {
        this(256);
    }

    /**
     * Creates an empty output.
     *
     * @param initialCapacity bytes to allocate up front
     */
    public HpackOutput(int initialCapacity) {
        if (initialCapacity < 0) {
            throw new IllegalArgumentException("initialCapacity must not be negative, was " + initialCapacity);
        }
        bytes = new byte[Math.max(16, initialCapacity)];
    }

    /**
     * Appends one byte.
     *
     * @param b the byte (the low 8 bits are kept)
     */
    public void append(int b) {
        if (length == bytes.length) {
            grow(1);
        }
        bytes[length++] = (byte) b;
    }

    /**
     * Appends {@code len} bytes of {@code src} from {@code off}.
     *
     * @param src the bytes
     * @param off where they start in {@code src}
     * @param len how many
     */
    public void append(byte[] src, int off, int len) {
        if (bytes.length - length < len) {
            grow(len);
        }
        System.arraycopy(src, off, bytes, length, len);
        length += len;
    }

    private void grow(int more) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }

    /**
     * The number of bytes appended since the last {@link #clear()}.
     *
     * @return the length
     */
    public int length() {
        return length;
    }

    /**
     * The byte at {@code index}.
     *
     * @param index from 0 to {@link #length()} - 1
     * @return the byte as 0..255
     */
    public int byteAt(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException(index);
        }
        return bytes[index] & 0xFF;
    }

    /**
     * Copies all bytes into {@code dst} at its position, advancing it.
     *
     * @param dst a buffer with at least {@link #length()} bytes remaining
     */
    public void writeTo(ByteBuffer dst) {
        dst.put(bytes, 0, length);
    }

    /**
     * Copies {@code len} bytes from {@code offset} into {@code dst}, advancing it: for splitting a
     * block into a HEADERS frame and CONTINUATION frames.
     *
     * @param dst a buffer with at least {@code len} bytes remaining
     * @param offset the first byte to copy
     * @param len how many
     */
    public void writeTo(ByteBuffer dst, int offset, int len) {
        if (offset < 0 || len < 0 || offset + len > length) {
            throw new IndexOutOfBoundsException("offset " + offset + " len " + len + " of " + length);
        }
        dst.put(bytes, offset, len);
    }

    /**
     * A copy of the bytes appended.
     *
     * @return a new array of {@link #length()} bytes
     */
    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, length);
    }

    /** Forgets the bytes appended, keeping the array. */
    public void clear() {
        length = 0;
    }
}
