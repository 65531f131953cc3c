package io.troupe.io;

import java.io.IOException;

/**
 * Inbound bytes broke the framing rules: a frame is larger than its {@code maxFrameBytes}, or a
 * length header is invalid. A connection that meets one closes with {@link Tcp.ErrorClosed}
 * carrying this exception.
 */
public final class FramingException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with this message.
     *
     * @param message the detail message
     */
    public FramingException(String message) {
        super(message);
    }
}
