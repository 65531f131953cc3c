package io.troupe.observe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict little JSON parser for the tests (RFC 8259): objects to {@code Map}, arrays to
 * {@code List}, integers to {@code Long}, other numbers to {@code Double}, strings, booleans and
 * null. It rejects what a lenient reader would let through and a browser would not: raw control
 * characters in strings, unknown escapes, trailing text. Stateless.
 */
final class MiniJson {
    private MiniJson() {}

    static Object parse(String text) {
        final MiniJson.Parser p = new MiniJson.Parser(text);
        final Object value = p.value();
        p.space();
        if (p.at != text.length()) {
            throw p.error("trailing characters");
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String text) {
        return (Map<String, Object>) parse(text);
    }

    private static final class Parser {
        private final String s;
        private int at;

        Parser(String s) {
            this.s = s;
        }

        Object value() {
            space();
            if (at >= s.length()) {
                throw error("unexpected end");
            }
            final char c = s.charAt(at);
            if (c == '{') {
                at++;
                final Map<String, Object> map = new LinkedHashMap<>();
                space();
                if (take('}')) {
                    return map;
                }
                do {
                    space();
                    final String key = string();
                    space();
                    expect(':');
                    if (map.put(key, value()) != null) {
                        throw error("duplicate key " + key);
                    }
                    space();
                } while (take(','));
                expect('}');
                return map;
            }
            if (c == '[') {
                at++;
                final List<Object> list = new ArrayList<>();
                space();
                if (take(']')) {
                    return list;
                }
                do {
                    list.add(value());
                    space();
                } while (take(','));
                expect(']');
                return list;
            }
            if (c == '"') {
                return string();
            }
            if (s.startsWith("true", at)) {
                at += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("false", at)) {
                at += 5;
                return Boolean.FALSE;
            }
            if (s.startsWith("null", at)) {
                at += 4;
                return null;
            }
            final int start = at;
            while (at < s.length() && "+-0123456789.eE".indexOf(s.charAt(at)) >= 0) {
                at++;
            }
            final String number = s.substring(start, at);
            if (!number.matches("-?(0|[1-9]\\d*)(\\.\\d+)?([eE][+-]?\\d+)?")) {
                throw error("bad value '" + number + "'");
            }
            return number.matches("-?\\d+") ? (Object) Long.parseLong(number) : (Object) Double.parseDouble(number);
        }

        private String string() {
            expect('"');
            final StringBuilder sb = new StringBuilder();
            while (true) {
                if (at >= s.length()) {
                    throw error("unterminated string");
                }
                final char c = s.charAt(at++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw error("raw control character " + (int) c + " in a string");
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (at >= s.length()) {
                    throw error("unterminated escape");
                }
                final char e = s.charAt(at++);
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        if (at + 4 > s.length() || !s.substring(at, at + 4).matches("[0-9a-fA-F]{4}")) {
                            throw error("bad \\u escape");
                        }
                        sb.append((char) Integer.parseInt(s.substring(at, at + 4), 16));
                        at += 4;
                    }
                    default -> throw error("unknown escape \\" + e);
                }
            }
        }

        private boolean take(char c) {
            if (at < s.length() && s.charAt(at) == c) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!take(c)) {
                throw error("expected '" + c + "'");
            }
        }

        void space() {
            while (at < s.length() && " \t\r\n".indexOf(s.charAt(at)) >= 0) {
                at++;
            }
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at " + at + " in JSON: "
                    + s.substring(Math.max(0, at - 40), Math.min(s.length(), at + 40)));
        }
    }
}
