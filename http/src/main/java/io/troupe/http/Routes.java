package io.troupe.http;

import io.troupe.http.internal.HttpError;
import io.troupe.http.internal.PercentCoding;
import io.troupe.services.Service;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A small router: a {@link Service} that picks a handler by method and path template.
 *
 * <pre>{@code
 * Service<Request, Response> app = Routes.builder()
 *         .get("/", hello)
 *         .get("/kv/{key}", read)
 *         .put("/kv/{key}", write)
 *         .build();            // handlers read request.pathParam("key")
 * }</pre>
 *
 * <p>A template is {@code /}-separated segments, each literal or a {@code {name}} that matches
 * one non-empty segment. The request's path is split at its {@code /} as sent
 * ({@link Request#rawPath()}), then each segment is percent-decoded as UTF-8: a literal matches
 * the decoded segment ({@code /caf%C3%A9} matches the template {@code /café}) and a parameter's
 * value is decoded ({@code /files/a%20b} gives {@code a b}); an encoded {@code /} stays inside
 * its segment. Routes are tried in the order added; the first whose template and method
 * match is called, with the parameters on the request ({@link Request#pathParams}). A path that
 * matches no template is 404; one that matches only with other methods is 405 with an
 * {@code Allow} field. {@code HEAD} falls back to a {@code GET} route (the server drops the body).
 * A path that cannot be decoded (only in a request made by hand: the server refuses those) is
 * 400.
 *
 * <p>Cost: linear in the routes, splitting the path once per request. Immutable and thread safe.
 */
public final class Routes implements Service<Request, Response> {
    private record Route(String method, String[] segments, Service<Request, Response> handler) {}

    private final List<Route> routes;

    private Routes(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    /**
     * A builder; not thread safe.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletionStage<Response> call(Request request) {
        final String[] path = split(request.rawPath());
        try {
            for (int i = 0; i < path.length; i++) {
                path[i] = PercentCoding.decode(path[i]);
            }
        } catch (HttpError e) {
            return CompletableFuture.completedFuture(Response.text(400, "400 Bad Request: " + e.getMessage() + "\n"));
        }
        Set<String> allowed = null;
        for (Route r : routes) {
            final Map<String, String> params = match(r.segments, path);
            if (params == null) {
                continue;
            }
            if (r.method.equals(request.method()) || (request.method().equals("HEAD") && r.method.equals("GET"))) {
                return r.handler.call(params.isEmpty() ? request : request.withPathParams(params));
            }
            if (allowed == null) {
                allowed = new LinkedHashSet<>();
            }
            allowed.add(r.method);
            if (r.method.equals("GET")) {
                allowed.add("HEAD");
            }
        }
        if (allowed == null) {
            return CompletableFuture.completedFuture(Response.text(404, "404 Not Found\n"));
        }
        return CompletableFuture.completedFuture(
                Response.text(405, "405 Method Not Allowed\n").withHeader("Allow", String.join(", ", allowed)));
    }

    private static String[] split(String path) {
        final String p = path.startsWith("/") ? path.substring(1) : path;
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }

    private static Map<String, String> match(String[] template, String[] path) {
        if (template.length != path.length) {
            return null;
        }
        Map<String, String> params = Map.of();
        for (int i = 0; i < template.length; i++) {
            final String t = template[i];
            if (t.length() > 2 && t.charAt(0) == '{' && t.charAt(t.length() - 1) == '}') {
                if (path[i].isEmpty()) {
                    return null;
                }
                if (params.isEmpty()) {
                    params = new HashMap<>(4);
                }
                params.put(t.substring(1, t.length() - 1), path[i]);
            } else if (!t.equals(path[i])) {
                return null;
            }
        }
        return params;
    }

    /** Collects routes in order. NOT thread safe. */
    public static final class Builder {
        private final List<Route> routes = new ArrayList<>();

        private Builder() {}

        /**
         * Adds a route.
         *
         * @param method the method, such as {@code GET}
         * @param template the path template, such as {@code /kv/{key}}
         * @param handler the handler
         * @return this builder
         */
        public Builder route(String method, String template, Service<Request, Response> handler) {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(template, "template");
            Objects.requireNonNull(handler, "handler");
            if (!template.startsWith("/")) {
                throw new IllegalArgumentException("a path template must start with '/', was '" + template + "'");
            }
            routes.add(new Route(method, split(template), handler));
            return this;
        }

        /**
         * Adds a GET route.
         *
         * @param template the path template
         * @param handler the handler
         * @return this builder
         */
        public Builder get(String template, Service<Request, Response> handler) {
            return route("GET", template, handler);
        }

        /**
         * Adds a PUT route.
         *
         * @param template the path template
         * @param handler the handler
         * @return this builder
         */
        public Builder put(String template, Service<Request, Response> handler) {
            return route("PUT", template, handler);
        }

        /**
         * Adds a POST route.
         *
         * @param template the path template
         * @param handler the handler
         * @return this builder
         */
        public Builder post(String template, Service<Request, Response> handler) {
            return route("POST", template, handler);
        }

        /**
         * Adds a DELETE route.
         *
         * @param template the path template
         * @param handler the handler
         * @return this builder
         */
        public Builder delete(String template, Service<Request, Response> handler) {
            return route("DELETE", template, handler);
        }

        /**
         * The router.
         *
         * @return a service over the routes added
         */
        public Routes build() {
            return new Routes(routes);
        }
    }
}
