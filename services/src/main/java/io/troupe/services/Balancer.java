package io.troupe.services;

import java.util.List;

/**
 * A service that spreads calls over a changing set of endpoints (Tower's {@code balance::p2c}):
 * for each call it draws two endpoints at random and sends the call to the less loaded of them
 * (power of two choices), preferring a ready one. Load is either the number of outstanding calls
 * or the peak-EWMA latency times (outstanding + 1); see {@link Load}. Obtain one with
 * {@link Services#balance}.
 *
 * <p>Thread safe: calls, {@link #add} and {@link #remove} may come from any thread at any time.
 * A call costs two random draws, a few volatile reads and two atomic updates, plus a callback and
 * (peak EWMA) a short lock on the chosen endpoint when its call completes; {@code add} and
 * {@code remove} copy the endpoint array (they are rare). A call with no endpoint fails at once
 * with {@link NotReadyException}. The service is ready when some endpoint is.
 *
 * @param <K> the endpoint key (an address, an actor's path)
 * @param <Req> the request type
 * @param <Res> the response type
 */
public interface Balancer<K, Req, Res> extends Service<Req, Res> {

    /** How a balancer compares two endpoints. */
    enum Load {
        /** Fewer calls in flight is less loaded. */
        OUTSTANDING,
        /**
         * Lower {@code ewma(latency) * (outstanding + 1)} is less loaded, where the moving average
         * jumps up to a slower sample at once and decays towards faster ones (Finagle's and Tower's
         * peak EWMA), so one slow endpoint is avoided quickly.
         */
        PEAK_EWMA
    }

    /**
     * Adds (or replaces) the endpoint under {@code key}. Calls in flight to a replaced endpoint
     * complete normally. Any thread.
     *
     * @param key the endpoint's key
     * @param endpoint the endpoint
     */
    void add(K key, Service<Req, Res> endpoint);

    /**
     * Removes the endpoint under {@code key}: no new call goes to it; calls in flight complete
     * normally. Any thread.
     *
     * @param key the endpoint's key
     * @return {@code true} if there was such an endpoint
     */
    boolean remove(K key);

    /**
     * The keys of the current endpoints, in the order they were added. Any thread; allocates.
     *
     * @return a snapshot of the keys
     */
    List<K> endpoints();

    /**
     * The calls in flight to the endpoint under {@code key}, or -1 if there is none. Any thread.
     *
     * @param key the endpoint's key
     * @return its outstanding calls
     */
    int outstanding(K key);
}
