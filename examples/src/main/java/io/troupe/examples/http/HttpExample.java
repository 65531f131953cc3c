package io.troupe.examples.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.http.Body;
import io.troupe.http.Headers;
import io.troupe.http.HttpOptions;
import io.troupe.http.HttpServer;
import io.troupe.http.Request;
import io.troupe.http.Response;
import io.troupe.http.Routes;
import io.troupe.services.Service;
import io.troupe.services.Services;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An HTTP server on Troupe: {@code GET /} answers a short hello (for load tests), and a JSON
 * key-value API is backed by an actor ({@link KvStore}):
 *
 * <pre>
 * curl -X PUT --data '{"n": 1}' localhost:8080/kv/a    201 {"key":"a","value":{"n":1}}
 * curl localhost:8080/kv/a                             200 {"key":"a","value":{"n":1}}
 * curl -X DELETE localhost:8080/kv/a                   204
 * curl localhost:8080/kv/a                             404 {"error":"no value under 'a'"}
 * </pre>
 *
 * The hello is answered inside the connection's turn (a synchronous service: no message at
 * all); the key-value routes ask the store actor and answer when its reply comes back.
 */
public final class HttpExample {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Headers JSON_TYPE = Headers.of("Content-Type", "application/json");
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(2);
    private static final int MAX_VALUE_BYTES = 64 * 1024;

    private HttpExample() {}

    /** A write, as the PUT handler asks the store for it. */
    private record Write(String key, JsonNode value) {}

    /**
     * Starts the store actor and the server.
     *
     * @param system the actor system
     * @param address where to listen
     * @return completes with the bound server
     */
    public static CompletionStage<HttpServer> start(ActorSystem system, SocketAddress address) {
        final ActorRef<KvStore.Command> store = system.spawn(KvStore::new, "kv-store");
        final Service<String, Optional<JsonNode>> get = Services.ask(store, KvStore.Get::new, ASK_TIMEOUT);
        final Service<String, Boolean> delete = Services.ask(store, KvStore.Delete::new, ASK_TIMEOUT);
        final Service<Write, Boolean> put = Services.ask(store, (Write w, ActorRef<Boolean> replyTo) ->
                new KvStore.Put(w.key(), w.value(), replyTo), ASK_TIMEOUT);

        final Service<Request, Response> routes = Routes.builder()
                .get("/", Services.sync(request -> Response.text(200, "Hello, World!\n")))
                .get("/kv/{key}", request -> {
                    final String key = request.pathParam("key");
                    return get.call(key).thenApply(value -> value
                            .map(v -> json(200, entry(key, v)))
                            .orElseGet(() -> error(404, "no value under '" + key + "'")));
                })
                .put("/kv/{key}", request -> {
                    final String key = request.pathParam("key");
                    return request.body().toBytes(MAX_VALUE_BYTES).thenCompose(bytes -> {
                        final JsonNode value;
                        try {
                            value = JSON.readTree(bytes);
                        } catch (IOException e) {
                            return CompletableFuture.completedFuture(error(400, "the body is not JSON: "
                                    + e.getMessage().lines().findFirst().orElse("")));
                        }
                        if (value == null || value.isMissingNode()) {
                            return CompletableFuture.completedFuture(error(400, "the body is empty; send a JSON value"));
                        }
                        return put.call(new Write(key, value))
                                .thenApply(created -> json(created ? 201 : 200, entry(key, value)));
                    });
                })
                .delete("/kv/{key}", request -> {
                    final String key = request.pathParam("key");
                    return delete.call(key)
                            .thenApply(existed -> existed ? Response.of(204) : error(404, "no value under '" + key + "'"));
                })
                .build();
        return HttpServer.bind(system, address, HttpOptions.defaults(), routes);
    }

    private static ObjectNode entry(String key, JsonNode value) {
        final ObjectNode node = JSON.createObjectNode();
        node.put("key", key);
        node.set("value", value);
        return node;
    }

    private static Response json(int status, JsonNode node) {
        try {
            return Response.of(status, JSON_TYPE, Body.of(JSON.writeValueAsBytes(node)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always serialises", e);
        }
    }

    private static Response error(int status, String message) {
        return json(status, JSON.createObjectNode().put("error", message));
    }

    /**
     * Runs the server until the process is stopped (SIGTERM or Ctrl-C drains it gracefully).
     *
     * @param args the port (default 8080)
     */
    public static void main(String[] args) {
        final int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        final ActorSystem system = ActorSystem.builder("http-example").shutdownOnJvmExit(true).build();
        final HttpServer server = start(system, new InetSocketAddress(port)).toCompletableFuture().join();
        System.out.println("listening on " + server.localAddress());
        system.whenTerminated().toCompletableFuture().join();
    }
}
