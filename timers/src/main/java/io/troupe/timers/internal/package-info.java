/**
 * Machinery behind {@code io.troupe.timers}: the timing wheel, the timer thread and the manual
 * driver. Not exported.
 *
 * <p>Memory-mode accessors follow the vocabulary of JCTools ({@code queues/package-info.java}) used
 * across Troupe: {@code lv} volatile load, {@code so} ordered (release) store, {@code cas}
 * compare-and-set, {@code xchg} get-and-set, {@code lp}/{@code sp} plain load and store.
 */
package io.troupe.timers.internal;
