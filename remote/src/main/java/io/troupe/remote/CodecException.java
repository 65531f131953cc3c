package io.troupe.remote;

/**
 * A message could not be encoded or decoded: its class has no registered codec, it is larger than
 * the maximum message size, or the bytes received are not a message this node knows.
 */
public class CodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * A codec failure.
     *
     * @param message what went wrong, naming the class or codec id
     */
    public CodecException(String message) {
        super(message);
    }

    /**
     * A codec failure with its cause.
     *
     * @param message what went wrong
     * @param cause the underlying failure
     */
    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
