package io.troupe.observe;

import io.troupe.actors.ActorDump;
import java.util.Objects;

/**
 * Prints an {@link ActorDump} ({@code ActorSystem.dump()}) as a table, one actor a line,
 * indented by depth, running actors first marked with their message and time in handler.
 * Stateless; any thread.
 */
public final class DumpPrinter {
    private DumpPrinter() {
    }

    /**
     * Formats {@code dump}. Cost: linear in the actors listed.
     *
     * @param dump the dump
     * @return the table, lines ending in {@code \n}
     */
    public static String format(ActorDump dump) {
        Objects.requireNonNull(dump, "dump");
        final StringBuilder sb = new StringBuilder(128 + 96 * dump.actors().size());
        sb.append(String.format("%-50s %-10s %9s %10s %8s %-24s %s%n", "PATH", "STATE", "MAILBOX", "HANDLED", "RESTARTS",
                "HANDLING (FOR)", "CLASS"));
        for (ActorDump.Entry e : dump.actors()) {
            final String handling = e.state() == ActorDump.State.RUNNING
                    ? simple(e.currentMessageType()) + " (" + e.timeInHandler().toMillis() + " ms)" : "";
            sb.append(String.format("%-50s %-10s %9s %10d %8d %-24s %s%n", e.path(), e.state(),
                    e.mailboxDepth() + "/" + e.mailboxCapacity(), e.messagesHandled(), e.restarts(), handling,
                    e.actorClass() == null ? "-" : e.actorClass()));
        }
        if (dump.omitted() > 0) {
            sb.append("... and ").append(dump.omitted()).append(" more actors not listed\n");
        }
        return sb.toString();
    }

    private static String simple(String className) {
        if (className == null) {
            return "(system work)";
        }
        final int dot = Math.max(className.lastIndexOf('.'), className.lastIndexOf('$'));
        return className.substring(dot + 1).replaceFirst("^\\d+", ""); // a local class: Outer$1Name
    }
}
