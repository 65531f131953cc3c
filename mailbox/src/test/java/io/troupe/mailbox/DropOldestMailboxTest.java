package io.troupe.mailbox;

/** The mailbox contract under {@link OverflowPolicy#DROP_OLDEST}. */
class DropOldestMailboxTest extends BoundedMailboxContractTest {
    @Override
    OverflowPolicy policy() {
        return OverflowPolicy.DROP_OLDEST;
    }
}
