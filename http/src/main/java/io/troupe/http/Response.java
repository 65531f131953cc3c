package io.troupe.http;

import java.util.Objects;

/**
 * An HTTP response: status, headers and body. Immutable and thread safe; each {@code withX}
 * returns a copy.
 *
 * <p>The server adds {@code Date}, {@code Content-Length} (or {@code Transfer-Encoding:
 * chunked} for a stream of unknown length) and {@code Connection: close} when it closes; a
 * handler's own {@code Content-Length}, {@code Transfer-Encoding} and {@code Connection} fields
 * are replaced by the server's.
 */
public final class Response {
    private final int status;
    private final Headers headers;
    private final Body body;

    private Response(int status, Headers headers, Body body) {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status must be a 3-digit code, was " + status);
        }
        this.status = status;
        this.headers = Objects.requireNonNull(headers, "headers");
        this.body = Objects.requireNonNull(body, "body");
    }

    /**
     * A response with this status, no headers and no body.
     *
     * @param status the status code (100-999; 1xx codes are the server's own)
     * @return the response
     */
    public static Response of(int status) {
        return new Response(status, Headers.empty(), Body.empty());
    }

    /**
     * A response with these parts.
     *
     * @param status the status code
     * @param headers the headers
     * @param body the body
     * @return the response
     */
    public static Response of(int status, Headers headers, Body body) {
        return new Response(status, headers, body);
    }

    /**
     * A {@code text/plain; charset=utf-8} response. Allocates the encoding.
     *
     * @param status the status code
     * @param text the text
     * @return the response
     */
    public static Response text(int status, String text) {
        return new Response(status, Headers.of("Content-Type", "text/plain; charset=utf-8"), Body.utf8(text));
    }

    /**
     * The status code.
     *
     * @return the status
     */
    public int status() {
        return status;
    }

    /**
     * The headers.
     *
     * @return the headers
     */
    public Headers headers() {
        return headers;
    }

    /**
     * The body.
     *
     * @return the body
     */
    public Body body() {
        return body;
    }

    /**
     * This response with one more header field.
     *
     * @param name the name
     * @param value the value
     * @return a copy
     */
    public Response withHeader(String name, String value) {
        return new Response(status, headers.with(name, value), body);
    }

    /**
     * This response with another body.
     *
     * @param newBody the body
     * @return a copy
     */
    public Response withBody(Body newBody) {
        return new Response(status, headers, newBody);
    }

    @Override
    public String toString() {
        return "Response[" + status + ", " + body + "]";
    }
}
