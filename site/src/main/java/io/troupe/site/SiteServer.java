package io.troupe.site;

import io.troupe.actors.ActorSystem;
import io.troupe.http.Body;
import io.troupe.http.Headers;
import io.troupe.http.HttpOptions;
import io.troupe.http.HttpServer;
import io.troupe.http.Request;
import io.troupe.http.Response;
import io.troupe.services.Service;
import io.troupe.services.Services;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Serves the built site ({@code target/site}) as static files with Troupe's own {@link HttpServer}:
 * {@code mvn -pl site exec:java} (port from {@code -Dsite.port}, 8000 by default).
 *
 * <p>GET and HEAD of a file under the root answer it with a content type by extension (html, css,
 * svg, png, js, ...); a directory answers its {@code index.html}. A path with a {@code ..} segment
 * (also percent-encoded), a backslash or a NUL is refused with 400 before it touches the file
 * system, and the resolved file must lie under the root; anything missing is 404.
 *
 * <p>Files are read whole on the connection's turn (a dispatcher worker): fine for a documentation
 * site of small files on a local disk, not a general file server.
 */
public final class SiteServer {
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("json", "application/json"),
            Map.entry("txt", "text/plain; charset=utf-8"));

    private SiteServer() {}

    /**
     * The handler: static files under {@code root}. Any thread may call it; it keeps no state.
     *
     * @param root the folder served
     * @return the service answering requests from it
     */
    public static Service<Request, Response> files(Path root) {
        final Path base = root.toAbsolutePath().normalize();
        return Services.sync(request -> answer(base, request));
    }

    /**
     * Binds the file server on {@code address}. Any thread; returns at once.
     *
     * @param system the actor system
     * @param address where to listen (port 0 for any free port)
     * @param root the folder served
     * @return completes with the bound server
     */
    public static CompletionStage<HttpServer> serve(ActorSystem system, SocketAddress address, Path root) {
        return HttpServer.bind(system, address, HttpOptions.defaults(), files(root));
    }

    static Response answer(Path base, Request request) {
        final String method = request.method();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return Response.text(405, "only GET and HEAD\n").withHeader("Allow", "GET, HEAD");
        }
        final String path = request.path(); // decoded once by the server (a bad escape is its 400)
        if (!path.startsWith("/") || path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
            return Response.text(400, "malformed path\n");
        }
        for (String segment : path.split("/")) {
            if (segment.equals("..")) {
                return Response.text(400, "no '..' in paths\n");
            }
        }
        Path file = base.resolve(path.substring(1)).normalize();
        if (!file.startsWith(base)) {
            return Response.text(400, "outside the site\n");
        }
        if (Files.isDirectory(file)) {
            file = file.resolve("index.html");
        }
        if (!Files.isRegularFile(file)) {
            return Response.text(404, "not found: " + path + "\n");
        }
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return Response.text(500, "could not read " + path + "\n");
        }
        final String name = file.getFileName().toString();
        final int dot = name.lastIndexOf('.');
        final String type = TYPES.getOrDefault(dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT),
                "application/octet-stream");
        return Response.of(200, Headers.of("Content-Type", type), Body.of(bytes));
    }

    /**
     * Serves {@code args[0]} (default {@code site/target/site}) on port {@code args[1]} (default
     * {@code -Dsite.port}, else 8000) of every interface until the process is stopped.
     *
     * @param args the folder and the port, both optional
     */
    public static void main(String[] args) {
        final Path root = Path.of(args.length > 0 ? args[0] : "site/target/site");
        final int port = Integer.parseInt(args.length > 1 ? args[1] : System.getProperty("site.port", "8000"));
        if (!Files.isRegularFile(root.resolve("index.html"))) {
            System.err.println("no index.html in " + root.toAbsolutePath()
                    + ": build the site first (mvn -B -pl site -am package -DskipTests)");
            System.exit(2);
        }
        final ActorSystem system = ActorSystem.builder("site").shutdownOnJvmExit(true).build();
        final HttpServer server = serve(system, new InetSocketAddress(port), root).toCompletableFuture().join();
        System.out.println("serving " + root.toAbsolutePath() + " at http://localhost:" + server.port() + "/");
        system.whenTerminated().toCompletableFuture().join();
    }
}
