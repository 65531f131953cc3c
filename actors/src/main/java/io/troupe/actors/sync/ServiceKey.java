package io.troupe.actors.sync;

import java.util.Objects;

/**
 * The name of a service in the {@link Receptionist}: an id and the message type its actors
 * accept. Two keys are equal when their ids and types are, whoever made them, so a key can be
 * rebuilt from its id and type name on another node. Immutable; any thread.
 *
 * @param id the service's id, non-empty
 * @param type the message type of the actors registered under it
 * @param <T> the message type
 */
public record ServiceKey<T>(String id, Class<T> type) {
    /**
     * Checks the parameters.
     *
     * @param id the service's id, non-empty
     * @param type the message type of the actors registered under it
     * @throws NullPointerException if either is null
     * @throws IllegalArgumentException if {@code id} is empty
     */
    public ServiceKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("service key id must not be empty");
        }
    }

    /**
     * The key for actors accepting {@code type} under {@code id}.
     *
     * @param <T> the message type
     * @param id the service's id, non-empty
     * @param type the message type
     * @return the key
     */
    public static <T> ServiceKey<T> of(String id, Class<T> type) {
        return new ServiceKey<>(id, type);
    }

    @Override
    public String toString() {
        return "ServiceKey(" + id + ", " + type.getName() + ")";
    }
}
