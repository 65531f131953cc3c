package io.troupe.http;

import java.net.SocketAddress;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP request as a handler sees it: method, target (split into path and query), version,
 * headers and body, plus the path parameters a {@link Routes} router matched and the peer's
 * address. Immutable and thread safe (the body's stream excepted, see {@link Body}).
 *
 * <p>The server makes one per request: the strings are decoded from the wire once (ISO-8859-1,
 * no percent-decoding: {@link #path()} is as sent).
 */
public final class Request {
    private final String method;
    private final String target;
    private final String path;
    private final String query;
    private final String version;
    private final Headers headers;
    private final Body body;
    private final Map<String, String> pathParams;
    private final SocketAddress remoteAddress;

    private Request(String method, String target, String path, String query, String version, Headers headers,
                    Body body, Map<String, String> pathParams, SocketAddress remoteAddress) {
        this.method = method;
        this.target = target;
        this.path = path;
        this.query = query;
        this.version = version;
        this.headers = headers;
        this.body = body;
        this.pathParams = pathParams;
        this.remoteAddress = remoteAddress;
    }

    /**
     * A request, as the server or a test makes one. The target is split at the first {@code ?};
     * an absolute-form target ({@code http://host/path}) keeps its path only.
     *
     * @param method the method, such as {@code GET}
     * @param target the request target, such as {@code /kv/a?x=1}
     * @param version {@code HTTP/1.1} or {@code HTTP/1.0}
     * @param headers the headers
     * @param body the body
     * @param remoteAddress the peer, or null
     * @return the request
     */
    public static Request of(String method, String target, String version, Headers headers, Body body,
                             SocketAddress remoteAddress) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        String pathAndQuery = target;
        if (!target.startsWith("/") && target.contains("://")) {
            final int slash = target.indexOf('/', target.indexOf("://") + 3);
            pathAndQuery = slash < 0 ? "/" : target.substring(slash);
        }
        final int q = pathAndQuery.indexOf('?');
        final String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        final String query = q < 0 ? null : pathAndQuery.substring(q + 1);
        return new Request(method, target, path, query, version, headers, body, Map.of(), remoteAddress);
    }

    /**
     * A GET of {@code target} with no headers, for tests. HTTP/1.1.
     *
     * @param target the target
     * @return the request
     */
    public static Request get(String target) {
        return of("GET", target, "HTTP/1.1", Headers.empty(), Body.empty(), null);
    }

    /**
     * The method, as sent (methods are case-sensitive).
     *
     * @return the method
     */
    public String method() {
        return method;
    }

    /**
     * The request target as sent.
     *
     * @return the target
     */
    public String target() {
        return target;
    }

    /**
     * The target's path, up to the first {@code ?}, not percent-decoded.
     *
     * @return the path
     */
    public String path() {
        return path;
    }

    /**
     * The target's query, after the first {@code ?}, or null if there is none.
     *
     * @return the raw query or {@code null}
     */
    public String query() {
        return query;
    }

    /**
     * The protocol version, {@code HTTP/1.1} or {@code HTTP/1.0}.
     *
     * @return the version
     */
    public String version() {
        return version;
    }

    /**
     * The header fields, in the order sent.
     *
     * @return the headers
     */
    public Headers headers() {
        return headers;
    }

    /**
     * The body: {@link Body.Bytes} when the server read it whole (small, with a
     * {@code Content-Length}; see {@link HttpOptions#withMaxBufferedBodyBytes}), else a
     * {@link Body.Stream} read from the socket as its subscriber asks.
     *
     * @return the body
     */
    public Body body() {
        return body;
    }

    /**
     * The path parameters a {@link Routes} router matched ({@code {key}} in a template).
     *
     * @return the parameters, unmodifiable, empty if none
     */
    public Map<String, String> pathParams() {
        return pathParams;
    }

    /**
     * One path parameter.
     *
     * @param name the parameter's name in the template
     * @return its value, or {@code null}
     */
    public String pathParam(String name) {
        return pathParams.get(name);
    }

    /**
     * The peer's address, or null if unknown.
     *
     * @return the remote address
     */
    public SocketAddress remoteAddress() {
        return remoteAddress;
    }

    /**
     * This request with other path parameters (what a router does).
     *
     * @param params the parameters
     * @return a copy with {@code params}
     */
    public Request withPathParams(Map<String, String> params) {
        return new Request(method, target, path, query, version, headers, body, Map.copyOf(params), remoteAddress);
    }

    /**
     * This request with another body (what a layer that reads or replaces the body does).
     *
     * @param newBody the body
     * @return a copy with {@code newBody}
     */
    public Request withBody(Body newBody) {
        return new Request(method, target, path, query, version, headers, Objects.requireNonNull(newBody, "newBody"),
                pathParams, remoteAddress);
    }

    @Override
    public String toString() {
        return "Request[" + method + " " + target + " " + version + "]";
    }
}
