package io.troupe.services.internal;

import io.troupe.actors.ActorRef;

/**
 * The ref a router hands out: it bears the path and name of the router's manager actor, and
 * each router routes what is sent to it in its own way. Thread safe, as its subclasses are.
 */
abstract class RouterRef<M> implements ActorRef<M> {

    /** The router's manager actor. */
    abstract ActorRef<?> manager();

    @Override
    public final String path() {
        return manager().path();
    }

    @Override
    public final String name() {
        return manager().name();
    }
}
