package io.troupe.observe;

import io.troupe.actors.ActorDump;
import java.util.Map;

/**
 * The console's JSON, written by hand (the module has no JSON library): the actor dump and the
 * counters. Stateless; any thread.
 *
 * <p>Strings are escaped per RFC 8259: quote, backslash and every control character; also
 * {@code <}, {@code >}, {@code &} and U+2028/U+2029 as {@code \}{@code uXXXX}, so that the text
 * stays inert if someone pastes it into HTML or a script. Lone surrogates are passed through as
 * Java holds them (the UTF-8 encoder replaces them with {@code ?}).
 */
final class ConsoleJson {
    private ConsoleJson() {
    }

    /**
     * The dump as {@code {"system":..,"max":..,"omitted":..,"actors":[{"path":..,"class":..,"state":..,
     * "mailboxDepth":..,"mailboxCapacity":..,"message":..,"handlingMillis":..,"dispatcher":..,"children":..}]}}.
     * Cost: linear in the actors listed (about 250 bytes each).
     */
    static String dump(String system, int max, ActorDump dump) {
        final StringBuilder sb = new StringBuilder(128 + 256 * dump.actors().size());
        sb.append("{\"system\":");
        string(sb, system);
        sb.append(",\"max\":").append(max);
        sb.append(",\"omitted\":").append(dump.omitted());
        sb.append(",\"actors\":[");
        boolean first = true;
        for (ActorDump.Entry e : dump.actors()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append("\n{\"path\":");
            string(sb, e.path());
            sb.append(",\"class\":");
            string(sb, e.actorClass());
            sb.append(",\"state\":");
            string(sb, e.state().name());
            sb.append(",\"mailboxDepth\":").append(e.mailboxDepth());
            sb.append(",\"mailboxCapacity\":").append(e.mailboxCapacity());
            sb.append(",\"message\":");
            string(sb, e.currentMessageType());
            sb.append(",\"handlingMillis\":").append(e.timeInHandler().toMillis());
            sb.append(",\"dispatcher\":");
            string(sb, e.dispatcher());
            sb.append(",\"children\":").append(e.children());
            sb.append(",\"messagesHandled\":").append(e.messagesHandled());
            sb.append(",\"restarts\":").append(e.restarts());
            sb.append('}');
        }
        return sb.append("]}\n").toString();
    }

    /**
     * The counters as {@code {"system":..,"monotonicMillis":..,"counters":[{"name":..,"value":..}]}}, in
     * the map's order; {@code monotonicMillis} is {@link System#nanoTime} in ms, for rates between two reads.
     */
    static String counters(String system, long monotonicMillis, Map<String, Long> values) {
        final StringBuilder sb = new StringBuilder(64 + 48 * values.size());
        sb.append("{\"system\":");
        string(sb, system);
        sb.append(",\"monotonicMillis\":").append(monotonicMillis);
        sb.append(",\"counters\":[");
        boolean first = true;
        for (Map.Entry<String, Long> e : values.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append("\n{\"name\":");
            string(sb, e.getKey());
            sb.append(",\"value\":").append(e.getValue() == null ? 0L : e.getValue());
            sb.append('}');
        }
        return sb.append("]}\n").toString();
    }

    /** Appends {@code s} as a JSON string, or {@code null}. */
    static void string(StringBuilder sb, String s) {
        if (s == null) {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        sb.append("\\u");
                        final String hex = Integer.toHexString(c);
                        sb.append("0000", hex.length(), 4).append(hex);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
