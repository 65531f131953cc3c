/**
 * Bounded multi-producer single-consumer mailboxes with overflow policies and a separate
 * system-message lane.
 */
module io.troupe.mailbox {
    requires org.jctools.core;
    exports io.troupe.mailbox;
}
