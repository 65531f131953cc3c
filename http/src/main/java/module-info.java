/**
 * Troupe's HTTP/1.1 server: a parser that runs as a {@link io.troupe.io.ConnectionStage} inside
 * each connection actor's turn, handlers as {@link io.troupe.services.Service}s of
 * {@link io.troupe.http.Request} to {@link io.troupe.http.Response}, streaming bodies with credit.
 *
 * <p>The API is {@link io.troupe.http}; the parser and the connection's machinery live in
 * {@code io.troupe.http.internal}, which is not exported.
 */
module io.troupe.http {
    requires transitive io.troupe.io;
    requires transitive io.troupe.services;
    exports io.troupe.http;
}
