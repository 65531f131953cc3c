package io.troupe.mailbox;

/** The mailbox contract under {@link OverflowPolicy#FAIL_SENDER}. */
class FailSenderMailboxTest extends BoundedMailboxContractTest {
    @Override
    OverflowPolicy policy() {
        return OverflowPolicy.FAIL_SENDER;
    }
}
