package io.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.troupe.services.Services;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The router: templates with parameters, first match wins, 404, 405 with Allow, HEAD served by GET. */
@Timeout(10)
class RoutesTest {
    private static final Routes ROUTES = Routes.builder()
            .get("/", Services.sync(r -> Response.text(200, "root")))
            .get("/kv/{key}", Services.sync(r -> Response.text(200, "get " + r.pathParam("key"))))
            .put("/kv/{key}", Services.sync(r -> Response.text(200, "put " + r.pathParam("key"))))
            .get("/a/{x}/b/{y}", Services.sync(r -> Response.text(200, r.pathParam("x") + "," + r.pathParam("y"))))
            .build();

    private static String call(String method, String target) {
        final Response r = ROUTES.call(Request.of(method, target, "HTTP/1.1", Headers.empty(), Body.empty(), null))
                .toCompletableFuture().join();
        return r.status() + " " + ((Body.Bytes) r.body()).utf8().trim()
                + (r.headers().contains("Allow") ? " [" + r.headers().get("Allow") + "]" : "");
    }

    @Test
    void routes_matchByMethodAndTemplate() {
        // Each request reaches the route of its method and template, with its parameters; others get 404 or 405.
        assertEquals("200 root", call("GET", "/"));
        assertEquals("200 get k1", call("GET", "/kv/k1?q=2"));
        assertEquals("200 put k2", call("PUT", "/kv/k2"));
        assertEquals("200 get k3", call("HEAD", "/kv/k3"));
        assertEquals("200 p,q", call("GET", "/a/p/b/q"));
        assertEquals("404 404 Not Found", call("GET", "/kv"));
        assertEquals("404 404 Not Found", call("GET", "/kv/"));
        assertEquals("404 404 Not Found", call("GET", "/kv/a/b"));
        assertEquals("405 405 Method Not Allowed [GET, HEAD, PUT]", call("DELETE", "/kv/x"));
    }

    @Test
    void template_mustStartWithSlash() {
        // A template without a leading slash is refused when the route is added.
        assertThrows(IllegalArgumentException.class, () -> Routes.builder().get("kv", r -> null));
    }
}
