package io.troupe.mailbox;

/** The mailbox contract under {@link OverflowPolicy#DEAD_LETTER}. */
class DeadLetterMailboxTest extends BoundedMailboxContractTest {
    @Override
    OverflowPolicy policy() {
        return OverflowPolicy.DEAD_LETTER;
    }
}
