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
            .get("/caf\u00e9/{name}", Services.sync(r -> Response.text(200, "caf\u00e9 " + r.pathParam("name"))))
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

    @Test
    void routes_matchDecodedSegments_encodedSlashStaysInItsSegment() {
        // Segments are split as sent, then decoded: a literal matches its decoded form, a parameter is decoded, and an
        // encoded '/' (in a request made by hand; the server refuses it) stays inside its segment.
        assertEquals("200 caf\u00e9 a b.txt", call("GET", "/caf%C3%A9/a%20b.txt"));
        assertEquals("200 get a/b", call("GET", "/kv/a%2Fb"));
        assertEquals("200 get +", call("GET", "/kv/+"));
        assertEquals("404 404 Not Found", call("GET", "/kv/a/b"));
        assertEquals("400", call("GET", "/kv/%zz").substring(0, 3));
    }

    @Test
    void request_pathAndQueryDecoded_rawKept() {
        // A request's path and query parameters are available decoded (UTF-8, '+' a space in the query), the target,
        // raw path and raw query as sent.
        final Request r = Request.get("/caf%C3%A9/x%20y?q=a+b%2Fc&q=2&flag&%E2%82%AC=euro");
        assertEquals("/caf\u00e9/x y", r.path());
        assertEquals("/caf%C3%A9/x%20y", r.rawPath());
        assertEquals("q=a+b%2Fc&q=2&flag&%E2%82%AC=euro", r.query());
        assertEquals("/caf%C3%A9/x%20y?q=a+b%2Fc&q=2&flag&%E2%82%AC=euro", r.target());
        assertEquals("{q=[a b/c, 2], flag=[], \u20ac=[euro]}", r.queryParams().toString());
        assertEquals("a b/c", r.queryParam("q"));
        assertEquals("", r.queryParam("flag"));
        assertEquals(null, r.queryParam("none"));
        assertThrows(IllegalArgumentException.class, () -> Request.get("/a%C3").path());
        assertThrows(IllegalArgumentException.class, () -> Request.get("/a?x=%4").queryParams());
    }
}
