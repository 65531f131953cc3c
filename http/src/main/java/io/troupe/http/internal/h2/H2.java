package io.troupe.http.internal.h2;

import java.nio.charset.StandardCharsets;

/**
 * HTTP/2 wire constants (RFC 9113): frame types and flags, error codes, setting identifiers,
 * the client connection preface and the protocol's defaults. Constants only.
 */
final class H2 {
    private H2() {}

    /** The client connection preface (RFC 9113 3.4), 24 bytes. */
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    /** A frame header's size in bytes. */
    static final int FRAME_HEADER_BYTES = 9;

    // ---- frame types (RFC 9113 6)
    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int PRIORITY = 0x2;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PUSH_PROMISE = 0x5;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;

    // ---- flags
    static final int FLAG_END_STREAM = 0x1;
    static final int FLAG_ACK = 0x1;
    static final int FLAG_END_HEADERS = 0x4;
    static final int FLAG_PADDED = 0x8;
    static final int FLAG_PRIORITY = 0x20;

    // ---- error codes (RFC 9113 7)
    static final int NO_ERROR = 0x0;
    static final int PROTOCOL_ERROR = 0x1;
    static final int INTERNAL_ERROR = 0x2;
    static final int FLOW_CONTROL_ERROR = 0x3;
    static final int SETTINGS_TIMEOUT = 0x4;
    static final int STREAM_CLOSED = 0x5;
    static final int FRAME_SIZE_ERROR = 0x6;
    static final int REFUSED_STREAM = 0x7;
    static final int CANCEL = 0x8;
    static final int COMPRESSION_ERROR = 0x9;
    static final int CONNECT_ERROR = 0xa;
    static final int ENHANCE_YOUR_CALM = 0xb;
    static final int INADEQUATE_SECURITY = 0xc;
    static final int HTTP_1_1_REQUIRED = 0xd;

    // ---- settings (RFC 9113 6.5.2)
    static final int SETTINGS_HEADER_TABLE_SIZE = 0x1;
    static final int SETTINGS_ENABLE_PUSH = 0x2;
    static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
    static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
    static final int SETTINGS_MAX_FRAME_SIZE = 0x5;
    static final int SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;

    // ---- defaults
    static final int DEFAULT_WINDOW = 65_535;
    static final int DEFAULT_MAX_FRAME_SIZE = 16_384;
    static final int MAX_MAX_FRAME_SIZE = (1 << 24) - 1;
    static final int DEFAULT_HEADER_TABLE_SIZE = 4_096;
    static final int MAX_WINDOW = Integer.MAX_VALUE;

    /** The name of an error code, for messages. */
    static String errorName(int code) {
        return switch (code) {
            case NO_ERROR -> "NO_ERROR";
            case PROTOCOL_ERROR -> "PROTOCOL_ERROR";
            case INTERNAL_ERROR -> "INTERNAL_ERROR";
            case FLOW_CONTROL_ERROR -> "FLOW_CONTROL_ERROR";
            case SETTINGS_TIMEOUT -> "SETTINGS_TIMEOUT";
            case STREAM_CLOSED -> "STREAM_CLOSED";
            case FRAME_SIZE_ERROR -> "FRAME_SIZE_ERROR";
            case REFUSED_STREAM -> "REFUSED_STREAM";
            case CANCEL -> "CANCEL";
            case COMPRESSION_ERROR -> "COMPRESSION_ERROR";
            case CONNECT_ERROR -> "CONNECT_ERROR";
            case ENHANCE_YOUR_CALM -> "ENHANCE_YOUR_CALM";
            case INADEQUATE_SECURITY -> "INADEQUATE_SECURITY";
            case HTTP_1_1_REQUIRED -> "HTTP_1_1_REQUIRED";
            default -> "0x" + Integer.toHexString(code);
        };
    }
}
