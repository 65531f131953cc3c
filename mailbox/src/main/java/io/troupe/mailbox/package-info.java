/**
 * Bounded MPSC mailboxes: {@link io.troupe.mailbox.BoundedMailbox} and its
 * {@link io.troupe.mailbox.OverflowPolicy overflow policies}.
 *
 * <h2>Accessor vocabulary</h2>
 * Concurrent code across Troupe names memory-mode accesses with JCTools' prefixes, documented
 * once here: {@code lv} volatile load, {@code lp} plain load, {@code so} ordered (release)
 * store, {@code sp} plain store, {@code cas} compare-and-set, {@code xchg} get-and-set,
 * {@code xadd} get-and-add.
 */
package io.troupe.mailbox;
