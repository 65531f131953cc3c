package io.troupe.http.internal;

import io.troupe.http.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP/1.1 wire pieces that the server stage ({@link Http1ServerStage}) and the client stage
 * ({@code client.Http1ClientStage}) share: the stash of input bytes kept between reads, the
 * chunked transfer coding (chunk-size lines, the CRLF after each chunk's data, the trailer
 * section), field lines, and the chunk framing they write. NOT thread safe: one instance per
 * connection, confined to its connection actor's turn; the static methods are pure.
 *
 * <p>Cost: no allocation per chunk; the stash allocates only when a read leaves bytes behind
 * (it is released as soon as it is empty, so an idle connection holds no buffer).
 */
public final class Http1Codec {
    /*
     * Threading protocol: none (turn-confined, see the class comment).
     *
     * Stash. `stash[stashStart, stashEnd)` holds bytes a stage could not use yet; null when
     * empty. A stage parses it through stashed() (a buffer over those bytes) and then drops
     * what it used with unstash(view); a view whose array is no longer the stash (the stage
     * cleared it while parsing) drops nothing.
     *
     * Chunked states (chunkState):
     *   SIZE     -> DATA        // a chunk-size line of a size > 0
     *   SIZE     -> TRAILERS    // the last chunk (size 0)
     *   DATA     -> DATA_END    // the chunk's data taken (chunkDataTaken)
     *   DATA_END -> SIZE        // CRLF (or LF) after the data
     *   TRAILERS -> DONE        // the empty line that ends the trailer section
     *
     * Invariants.
     *  1. stash == null or stashStart < stashEnd.
     *  2. chunkState == DATA  =>  chunkLeft > 0.
     *  3. bodyBytes (the sum of the chunk sizes read) <= maxBodyBytes.
     */

    /** {@link #readChunked}: the input ran out inside the framing; parse more input later. */
    public static final int NEED_MORE = 0;
    /** {@link #readChunked}: the next input bytes are chunk data ({@link #chunkDataLeft()} of them are left). */
    public static final int DATA = 1;
    /** {@link #readChunked}: the last chunk and the trailer section have been read. */
    public static final int END = 2;

    /** Reading a chunk-size line. */
    private static final int SIZE = 0;
    /** Inside a chunk's data. */
    private static final int CHUNK_DATA = 1;
    /** Reading the CRLF after a chunk's data. */
    private static final int DATA_END = 2;
    /** Reading the trailer section. */
    private static final int TRAILERS = 3;
    /** The chunked body has been read. */
    private static final int DONE = 4;

    /** The longest chunk-size line taken (with its extensions). */
    public static final int MAX_CHUNK_LINE_BYTES = 1024;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private static final String[] COMMON_NAMES = {"Host", "User-Agent", "Accept", "Content-Length", "Content-Type",
        "Connection", "Transfer-Encoding", "Expect", "Accept-Encoding", "Accept-Language", "host", "user-agent",
        "accept", "content-length", "content-type", "connection", "transfer-encoding", "expect"};
    private static final byte[][] COMMON_NAME_BYTES = bytes(COMMON_NAMES);

    // ---- the stash
    private byte[] stash;
    private int stashStart;
    private int stashEnd;

    // ---- chunked
    private int chunkState = DONE;
    private long chunkLeft;
    private long chunkSize;
    private int chunkDigits;
    private boolean chunkExtension;
    private int lineBytes;
    private long bodyBytes;
    private long maxBodyBytes;
    private int trailerBytes;
    private int maxTrailerBytes;
    private int maxTrailerCount;
    /** The trailer line being read (without its line end), and how many of its bytes are in. */
    private byte[] trailerLine;
    private Headers.Builder trailerFields;
    private Headers trailers = Headers.empty();

    /** A codec for one connection, with an empty stash. */
    public Http1Codec() {}

    // ================================================================ the stash

    /**
     * Whether bytes are stashed.
     *
     * @return true if the stash holds bytes
     */
    public boolean hasStash() {
        return stash != null;
    }

    /**
     * How many bytes are stashed.
     *
     * @return the stashed byte count
     */
    public int stashedBytes() {
        return stashEnd - stashStart;
    }

    /**
     * Appends the remaining bytes of {@code data} to the stash (copying them; {@code data}'s
     * position moves to its limit). Grows the stash by doubling, from at least 256 bytes.
     *
     * @param data the bytes to keep
     */
    public void stash(ByteBuffer data) {
        final int n = data.remaining();
        if (n == 0) {
            return;
        }
        if (stash == null) {
            stash = new byte[Math.max(n, 256)];
            stashStart = 0;
            stashEnd = 0;
        } else if (stashEnd + n > stash.length) {
            final int live = stashEnd - stashStart;
            final byte[] bigger = live + n > stash.length ? new byte[Math.max(live + n, stash.length * 2)] : stash;
            System.arraycopy(stash, stashStart, bigger, 0, live);
            stash = bigger;
            stashStart = 0;
            stashEnd = live;
        }
        data.get(stash, stashEnd, n);
        stashEnd += n;
    }

    /**
     * A buffer over the stashed bytes (not a copy), its position at the first: parse it, then
     * call {@link #unstash} with it. Empty if nothing is stashed.
     *
     * @return a view of the stash
     */
    public ByteBuffer stashed() {
        return stash == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(stash, stashStart, stashEnd - stashStart);
    }

    /**
     * Drops the stashed bytes that {@code view}'s position has passed; the stash is released
     * when it is empty. No effect if the stash was cleared (or is another array) since
     * {@link #stashed} made the view.
     *
     * @param view a buffer {@link #stashed} returned
     */
    public void unstash(ByteBuffer view) {
        if (stash == null || !view.hasArray() || view.array() != stash) {
            return;
        }
        stashStart = view.position();
        if (stashStart >= stashEnd) {
            clearStash();
        }
    }

    /** Drops every stashed byte and releases the stash. */
    public void clearStash() {
        stash = null;
        stashStart = 0;
        stashEnd = 0;
    }

    // ================================================================ chunked transfer coding

    /**
     * Starts reading a chunked body: the next bytes are its first chunk-size line.
     *
     * @param maxBodyBytes the most data bytes the body may have (413 past it)
     * @param maxTrailerBytes the most bytes the trailer section may have (431 past it)
     * @param maxTrailerCount the most trailer fields (431 past it)
     */
    public void startChunked(long maxBodyBytes, int maxTrailerBytes, int maxTrailerCount) {
        this.maxBodyBytes = maxBodyBytes;
        this.maxTrailerBytes = maxTrailerBytes;
        this.maxTrailerCount = maxTrailerCount;
        trailerFields = null;
        trailers = Headers.empty();
        chunkState = SIZE;
        chunkLeft = 0;
        bodyBytes = 0;
        startLine();
    }

    private void startLine() {
        lineBytes = 0;
        chunkSize = 0;
        chunkDigits = 0;
        chunkExtension = false;
    }

    /**
     * Reads chunk framing from {@code in} (from its position) up to the next chunk data, or to
     * the end of the body. Chunk extensions are ignored.
     *
     * @param in the input
     * @return {@link #DATA} when the next bytes of {@code in} (if any) are chunk data: take up to
     *     {@link #chunkDataLeft()} of them and report them with {@link #chunkDataTaken};
     *     {@link #END} when the last chunk and its trailer section have been read ({@code in}'s
     *     position just after them); {@link #NEED_MORE} when {@code in} ran out first
     * @throws HttpError 400 for a malformed chunk-size line (longer than
     *     {@link #MAX_CHUNK_LINE_BYTES}, no size, not hexadecimal, more than 15 digits), a
     *     chunk not followed by CRLF or a malformed trailer field line ({@link #parseField}),
     *     413 when the chunk sizes pass {@code maxBodyBytes}, 431 when the trailer section
     *     passes {@code maxTrailerBytes} or {@code maxTrailerCount} fields
     */
    public int readChunked(ByteBuffer in) throws HttpError {
        while (true) {
            switch (chunkState) {
                case CHUNK_DATA:
                    return DATA;
                case DONE:
                    return END;
                default:
                    break;
            }
            if (!in.hasRemaining()) {
                return NEED_MORE;
            }
            final byte b = in.get();
            switch (chunkState) {
                case SIZE:
                    sizeLineByte(b);
                    break;
                case DATA_END:
                    if (b == '\n') {
                        chunkState = SIZE;
                        startLine();
                    } else if (b != '\r' || lineBytes++ > 0) {
                        throw new HttpError(400, "chunk data is not followed by CRLF");
                    }
                    break;
                default: // TRAILERS
                    trailerByte(b);
                    break;
            }
        }
    }

    private void sizeLineByte(byte b) throws HttpError {
        if (++lineBytes > MAX_CHUNK_LINE_BYTES) {
            throw new HttpError(400, "a chunk-size line is longer than " + MAX_CHUNK_LINE_BYTES + " bytes");
        }
        if (b == '\n') {
            if (chunkDigits == 0) {
                throw new HttpError(400, "a chunk-size line has no size");
            }
            if (chunkSize == 0) {
                chunkState = TRAILERS;
                trailerBytes = 0;
                lineBytes = 0;
            } else {
                if (bodyBytes + chunkSize > maxBodyBytes) {
                    throw new HttpError(413, "the chunked body is over the limit of " + maxBodyBytes + " bytes");
                }
                bodyBytes += chunkSize;
                chunkLeft = chunkSize;
                chunkState = CHUNK_DATA;
            }
        } else if (chunkExtension || b == '\r') {
            // extensions are ignored; a CR may only end the line
            if (b == '\r') {
                chunkExtension = true;
            }
        } else if (b == ';' || b == ' ' || b == '\t') {
            chunkExtension = true;
        } else {
            final int d = Character.digit(b, 16);
            if (d < 0 || chunkDigits == 15) {
                throw new HttpError(400, "invalid chunk size");
            }
            chunkSize = chunkSize * 16 + d;
            chunkDigits++;
        }
    }

    private void trailerByte(byte b) throws HttpError {
        if (++trailerBytes > maxTrailerBytes) {
            throw new HttpError(431, "the trailer fields are longer than " + maxTrailerBytes + " bytes");
        }
        if (b != '\n') {
            if (trailerLine == null) {
                trailerLine = new byte[64];
            } else if (lineBytes == trailerLine.length) {
                trailerLine = java.util.Arrays.copyOf(trailerLine, Math.min(maxTrailerBytes, lineBytes * 2));
            }
            trailerLine[lineBytes++] = b;
            return;
        }
        final int end = lineBytes > 0 && trailerLine[lineBytes - 1] == '\r' ? lineBytes - 1 : lineBytes;
        lineBytes = 0;
        if (end == 0) {
            chunkState = DONE;
            trailers = trailerFields == null ? Headers.empty() : trailerFields.build();
            trailerFields = null;
            if (trailerLine.length > 256) {
                trailerLine = null; // keep an idle connection small
            }
            return;
        }
        if (trailerFields == null) {
            trailerFields = Headers.builder();
        }
        parseField(trailerLine, 0, end, trailerFields);
        if (trailerFields.size() > maxTrailerCount) {
            throw new HttpError(431, "more than " + maxTrailerCount + " trailer fields");
        }
    }

    /**
     * The trailer fields of the chunked body last read to its end ({@link #END}); empty before
     * that, and when it had none.
     *
     * @return the trailer fields, in the order sent
     */
    public Headers trailers() {
        return trailers;
    }

    /**
     * The data bytes left in the current chunk (after {@link #readChunked} answered {@link #DATA}).
     *
     * @return the bytes left, positive while in a chunk's data
     */
    public long chunkDataLeft() {
        return chunkLeft;
    }

    /**
     * Reports {@code n} data bytes of the current chunk as taken (the caller moved past them).
     *
     * @param n how many, at most {@link #chunkDataLeft()}
     */
    public void chunkDataTaken(long n) {
        chunkLeft -= n;
        if (chunkLeft == 0 && chunkState == CHUNK_DATA) {
            chunkState = DATA_END;
            lineBytes = 0;
        }
    }

    // ================================================================ field lines

    /**
     * Whether {@code b} is a token character (RFC 9110 5.6.2).
     *
     * @param b a byte, as an int
     * @return true for a tchar
     */
    public static boolean isTchar(int b) {
        return b >= 0 && b < 128 && TCHAR[b];
    }

    /**
     * Parses one field line, {@code b[from, end)} without its line end, into {@code out}: a
     * token name, a colon with no white space before it, a value trimmed of spaces and tabs
     * with no control character but tab. Common names are shared constants.
     *
     * @param b the bytes
     * @param from the line's first byte
     * @param end just past the line's last byte (before CR LF)
     * @param out where the field goes
     * @throws HttpError 400 for obsolete line folding, a name that is not a token (or white
     *     space before the colon), no name or no colon, or a control character in the value
     */
    public static void parseField(byte[] b, int from, int end, Headers.Builder out) throws HttpError {
        if (b[from] == ' ' || b[from] == '\t') {
            throw new HttpError(400, "obsolete line folding in a header field");
        }
        int colon = from;
        while (colon < end && b[colon] != ':') {
            if (!isTchar(b[colon])) {
                throw new HttpError(400, "a header field name is not a token (white space before the colon?)");
            }
            colon++;
        }
        if (colon == from || colon == end) {
            throw new HttpError(400, "a header field has no name or no colon");
        }
        int vs = colon + 1;
        while (vs < end && (b[vs] == ' ' || b[vs] == '\t')) {
            vs++;
        }
        int ve = end;
        while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
            ve--;
        }
        for (int k = vs; k < ve; k++) {
            final int c = b[k] & 0xff;
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new HttpError(400, "control character in a header field value");
            }
        }
        out.add(string(b, from, colon, COMMON_NAME_BYTES, COMMON_NAMES),
                new String(b, vs, ve - vs, StandardCharsets.ISO_8859_1));
    }

    /**
     * The string of {@code b[from, to)} as ISO-8859-1, shared if it is one of {@code known}.
     *
     * @param b the bytes
     * @param from the first byte
     * @param to just past the last byte
     * @param knownBytes the encodings of {@code known}
     * @param known strings to share
     * @return the string
     */
    static String string(byte[] b, int from, int to, byte[][] knownBytes, String[] known) {
        final int len = to - from;
        outer:
        for (int k = 0; k < knownBytes.length; k++) {
            final byte[] kb = knownBytes[k];
            if (kb.length != len) {
                continue;
            }
            for (int j = 0; j < len; j++) {
                if (kb[j] != b[from + j]) {
                    continue outer;
                }
            }
            return known[k];
        }
        return new String(b, from, len, StandardCharsets.ISO_8859_1);
    }

    static byte[][] bytes(String[] strings) {
        final byte[][] out = new byte[strings.length][];
        for (int i = 0; i < strings.length; i++) {
            out[i] = strings[i].getBytes(StandardCharsets.ISO_8859_1);
        }
        return out;
    }

    // ================================================================ writing chunks

    /**
     * The line that opens a chunk of {@code n} bytes: its size in hexadecimal, CRLF.
     *
     * @param n the chunk's size, positive
     * @return the line's bytes (new)
     */
    public static ByteBuffer chunkSizeLine(int n) {
        return ByteBuffer.wrap((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * The CRLF that follows a chunk's data.
     *
     * @return a new buffer over shared bytes (do not write into it)
     */
    public static ByteBuffer chunkEnd() {
        return ByteBuffer.wrap(CRLF);
    }

    /**
     * The last chunk with an empty trailer section: {@code 0 CRLF CRLF}.
     *
     * @return a new buffer over shared bytes (do not write into it)
     */
    public static ByteBuffer lastChunk() {
        return ByteBuffer.wrap(LAST_CHUNK);
    }

    /**
     * The last chunk with a trailer section: {@code 0 CRLF}, each field as {@code name: value
     * CRLF}, then {@code CRLF}. Fields that frame or route the message ({@code Content-Length},
     * {@code Transfer-Encoding}, {@code Connection}, {@code Host}, {@code Trailer}) are left
     * out: they must not be trailers (RFC 9110 6.5.1).
     *
     * @param trailers the trailer fields, possibly empty
     * @return the bytes (new)
     * @throws IllegalArgumentException for a name that is not a token, or a value with a CR, LF
     *     or NUL (they would split the message)
     */
    public static ByteBuffer lastChunk(Headers trailers) {
        if (trailers.size() == 0) {
            return lastChunk();
        }
        final StringBuilder sb = new StringBuilder(64).append("0\r\n");
        for (int i = 0, n = trailers.size(); i < n; i++) {
            final String name = trailers.name(i);
            final String value = trailers.value(i);
            if (name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding")
                    || name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("host")
                    || name.equalsIgnoreCase("trailer")) {
                continue;
            }
            if (name.isEmpty()) {
                throw new IllegalArgumentException("a trailer field with an empty name");
            }
            for (int k = 0; k < name.length(); k++) {
                if (!isTchar(name.charAt(k))) {
                    throw new IllegalArgumentException("a trailer field name that is not a token: " + name);
                }
            }
            for (int k = 0; k < value.length(); k++) {
                final char c = value.charAt(k);
                if (c == '\r' || c == '\n' || c == 0 || c > 0xff) {
                    throw new IllegalArgumentException("a trailer field value with a CR, LF, NUL or non-Latin-1 character: "
                            + name);
                }
            }
            sb.append(name).append(": ").append(value).append("\r\n");
        }
        return ByteBuffer.wrap(sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    }
}
