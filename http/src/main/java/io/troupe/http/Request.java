package io.troupe.http;

import io.troupe.http.internal.HttpError;
import io.troupe.http.internal.PercentCoding;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP request as a handler sees it: method, target (split into path and query), version,
 * headers and body, plus the path parameters a {@link Routes} router matched and the peer's
 * address. Immutable and thread safe (the body's stream excepted, see {@link Body}).
 *
 * <p>The server makes one per request: the strings are read from the wire once (ISO-8859-1).
 * The target is kept as sent ({@link #target()}, {@link #rawPath()}, {@link #query()}); the
 * path and the query parameters are also available percent-decoded as UTF-8 ({@link #path()},
 * {@link #queryParams()}), decoded when first asked for. The server answers 400, without
 * calling the handler, to a target whose path or query has a malformed escape ({@code %zz}, a
 * truncated {@code %4}) or does not decode as UTF-8, and to a path with an encoded {@code /}
 * ({@code %2F}, which would change its segments) or NUL ({@code %00}); so for a request the
 * server made, decoding never fails.
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
    // Decoded when first asked for. Racy single-check (as String.hash): the values are immutable
    // and safely published (String, and an unmodifiable map reached through final fields), so a
    // thread that sees null decodes again and gets an equal value.
    private String decodedPath;
    private Map<String, List<String>> queryParams;

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
     * The target's path, up to the first {@code ?}, percent-decoded as UTF-8 ({@code /caf%C3%A9}
     * is {@code /café}). Decoded once, on the first call (a scan only, when there is nothing to
     * decode). For a request made with {@link #of} an encoded {@code /} decodes to {@code /}; the
     * server refuses those before a handler sees them. Any thread.
     *
     * @return the decoded path
     * @throws IllegalArgumentException if the path has a malformed escape or is not UTF-8 (never
     *     for a request the server made)
     */
    public String path() {
        String p = decodedPath;
        if (p == null) {
            try {
                p = PercentCoding.decode(path);
            } catch (HttpError e) {
                throw new IllegalArgumentException("the request's path cannot be decoded: " + e.getMessage(), e);
            }
            decodedPath = p;
        }
        return p;
    }

    /**
     * The target's path as sent, up to the first {@code ?}, not decoded.
     *
     * @return the raw path
     */
    public String rawPath() {
        return path;
    }

    /**
     * The target's query as sent, after the first {@code ?}, not decoded; null if there is none.
     * See {@link #queryParams()} for its decoded parameters.
     *
     * @return the raw query or {@code null}
     */
    public String query() {
        return query;
    }

    /**
     * The query's parameters, decoded as {@code application/x-www-form-urlencoded}: pairs split
     * at {@code &} and at the first {@code =} ({@code ?flag} has the value {@code ""}),
     * {@code +} as a space, then percent-decoding as UTF-8. Decoded once, on the first call.
     * Any thread.
     *
     * @return name to values, names in the order first seen and values in order; unmodifiable,
     *     empty if there is no query
     * @throws IllegalArgumentException if the query has a malformed escape or is not UTF-8
     *     (never for a request the server made)
     */
    public Map<String, List<String>> queryParams() {
        Map<String, List<String>> q = queryParams;
        if (q == null) {
            try {
                q = PercentCoding.queryParams(query);
            } catch (HttpError e) {
                throw new IllegalArgumentException("the request's query cannot be decoded: " + e.getMessage(), e);
            }
            queryParams = q;
        }
        return q;
    }

    /**
     * One query parameter, decoded (see {@link #queryParams()}): its first value.
     *
     * @param name the parameter's decoded name
     * @return its first value, or {@code null} if the query has no such parameter
     * @throws IllegalArgumentException as {@link #queryParams()}
     */
    public String queryParam(String name) {
        final List<String> values = queryParams().get(name);
        return values == null ? null : values.get(0);
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
