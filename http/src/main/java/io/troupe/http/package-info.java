/**
 * An HTTP/1.1 server on Troupe's socket actors.
 *
 * <p>{@link io.troupe.http.HttpServer#bind} serves a {@link io.troupe.services.Service} of
 * {@link io.troupe.http.Request} to {@link io.troupe.http.Response}: a {@link io.troupe.http.Routes}
 * router, any stack of {@code io.troupe.services} layers, or an actor reached with
 * {@code Services.ask}. Each connection runs the parser as an {@link io.troupe.io.ConnectionStage}
 * inside its connection actor's turn: read, parse, call, write and flush cost one turn when the
 * service answers at once, and one message more when it answers later. {@link io.troupe.http.HttpServer#stage}
 * gives the stage itself, for a TLS stage to wrap.
 *
 * <p>Bodies are {@link io.troupe.http.Body.Bytes} or a {@link io.troupe.http.Body.Stream} of chunks
 * with demand (a {@link java.util.concurrent.Flow.Publisher}); {@link io.troupe.http.BodyMessage}
 * hands a stream to an actor as messages with credit. Reading and writing follow demand, so an
 * upload or a download of any size holds a bounded amount of memory.
 *
 * <p>Targets. {@link io.troupe.http.Request#path()} and {@link io.troupe.http.Request#queryParams()}
 * are percent-decoded as UTF-8 (the raw target is kept); a target that cannot be decoded, or
 * whose path has an encoded {@code /} or NUL, is answered 400 before any handler runs, and
 * {@link io.troupe.http.Routes} matches decoded segments. Trailers. A chunked message's trailer
 * fields are read within the header limits and given by {@link io.troupe.http.Body#trailers()}
 * once the body has been read; a streamed response sends those of
 * {@link io.troupe.http.Body.Stream#withTrailers}.
 *
 * <p>Limits and deadlines, each with a default and the status it answers, are in
 * {@link io.troupe.http.HttpOptions}.
 *
 * <p>Threads. The service is called on the connection's dispatcher worker, one request of a
 * connection at a time, and must not block; its answer may complete on any thread. The types here
 * are immutable and thread safe, except a request body's stream, which takes one subscriber.
 */
package io.troupe.http;
