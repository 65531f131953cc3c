package io.troupe.site;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves {@code <!-- include: path[#region] -->} directives: the code shown on the site is cut
 * from the real sources, so it cannot drift from what compiles.
 *
 * <p>What is cut, by the part after {@code #}:
 * <ul>
 *   <li>{@code NAME}: a region, the lines between {@code // region NAME} and the next
 *       {@code // endregion} (also {@code # region} for shell and {@code <!-- region NAME -->}
 *       for XML); regions may nest, and every marker line is removed from what is shown;</li>
 *   <li>{@code member:NAME}: a Java member declared in the file (a method, constructor, class,
 *       interface, enum or record called {@code NAME}; the first one if overloaded), with its
 *       javadoc and annotations, to its closing brace: for code whose file carries no markers;</li>
 *   <li>{@code text:FROM..TO}: from the first line containing {@code FROM} to the next line
 *       containing {@code TO}, both included (neither may contain spaces);</li>
 *   <li>nothing: the whole file, minus its {@code package}/{@code import} preamble when it is
 *       Java.</li>
 * </ul>
 * A selector that finds nothing fails, naming the file. The cut text is dedented.
 *
 * <p>NOT thread safe; one instance per build.
 */
public final class Includes {
    /** The directive, alone on its line. */
    static final Pattern DIRECTIVE = Pattern.compile("^<!--\\s*include:\\s*(\\S+?)\\s*-->\\s*$");
    private static final Pattern REGION = Pattern.compile("^\\s*(?://|#|<!--)\\s*region\\s+([\\w.-]+)\\s*(?:-->)?\\s*$");
    private static final Pattern END_REGION = Pattern.compile("^\\s*(?://|#|<!--)\\s*endregion\\b.*$");

    private final Path root;

    /**
     * An include resolver for sources under {@code root}.
     *
     * @param root the repository root; include paths are relative to it
     */
    public Includes(Path root) {
        this.root = root;
    }

    /** What an include directive resolved to. */
    public record Snippet(String path, String region, String language, String code) {}

    /**
     * Resolves one include target.
     *
     * @param target {@code path} or {@code path#region}, relative to the repository root
     * @return the snippet
     * @throws MissingIncludeException if the file or the region does not exist
     */
    public Snippet resolve(String target) {
        final int hash = target.indexOf('#');
        final String path = hash < 0 ? target : target.substring(0, hash);
        final String region = hash < 0 ? null : target.substring(hash + 1);
        final Path file = root.resolve(path).normalize();
        if (!file.startsWith(root) || !Files.isRegularFile(file)) {
            throw new MissingIncludeException("no such file: " + path);
        }
        final List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MissingIncludeException("cannot read " + path + ": " + e);
        }
        final List<String> cut;
        if (region == null) {
            cut = wholeFile(path, lines);
        } else if (region.startsWith("member:")) {
            cut = member(path, lines, region.substring("member:".length()));
        } else if (region.startsWith("text:")) {
            cut = textRange(path, lines, region.substring("text:".length()));
        } else {
            cut = region(path, lines, region);
        }
        return new Snippet(path, region, language(path), dedent(cut));
    }

    private static List<String> wholeFile(String path, List<String> lines) {
        final List<String> out = new ArrayList<>();
        boolean preamble = path.endsWith(".java");
        for (String line : lines) {
            if (preamble && (line.isBlank() || line.startsWith("package ") || line.startsWith("import "))) {
                continue;
            }
            preamble = false;
            if (!REGION.matcher(line).matches() && !END_REGION.matcher(line).matches()) {
                out.add(line);
            }
        }
        return out;
    }

    private static List<String> region(String path, List<String> lines, String name) {
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            final Matcher m = REGION.matcher(lines.get(i));
            if (m.matches() && m.group(1).equals(name)) {
                if (start >= 0) {
                    throw new MissingIncludeException("region '" + name + "' is opened twice in " + path
                            + " (lines " + (start) + " and " + (i + 1) + ")");
                }
                start = i + 1;
            }
        }
        if (start < 0) {
            throw new MissingIncludeException("no region '" + name + "' in " + path
                    + " (mark it with '// region " + name + "' ... '// endregion')");
        }
        final List<String> out = new ArrayList<>();
        int depth = 1;
        for (int i = start; i < lines.size(); i++) {
            final String line = lines.get(i);
            if (REGION.matcher(line).matches()) {
                depth++;
            } else if (END_REGION.matcher(line).matches()) {
                depth--;
                if (depth == 0) {
                    if (out.stream().allMatch(String::isBlank)) {
                        throw new MissingIncludeException("region '" + name + "' in " + path + " is empty");
                    }
                    return out;
                }
            } else {
                out.add(line);
            }
        }
        throw new MissingIncludeException("region '" + name + "' in " + path + " (line " + start + ") has no endregion");
    }

    private static final Pattern MODIFIERS = Pattern.compile(
            "^\\s*(?:(?:public|protected|private|static|final|abstract|synchronized|default|sealed|non-sealed|strictfp|native)\\s+)*");
    private static final Pattern NOT_A_DECLARATION = Pattern.compile("^\\s*(?:return|new|throw|if|else|for|while|switch|case|do|try|catch)\\b");

    private static List<String> member(String path, List<String> lines, String name) {
        if (!name.matches("[A-Za-z_$][\\w$]*")) {
            throw new MissingIncludeException("'member:" + name + "' in " + path + ": not a Java name");
        }
        final Pattern type = Pattern.compile("(?:class|interface|enum|record|@interface)\\s+" + Pattern.quote(name) + "\\b");
        final Pattern method = Pattern.compile("^(?:<[^>]*>\\s*)?(?:[\\w$.<>\\[\\],?\\s]+\\s+)?" + Pattern.quote(name) + "\\s*\\(");
        int at = -1;
        for (int i = 0; i < lines.size() && at < 0; i++) {
            final String line = lines.get(i);
            final String trimmed = line.strip();
            if (trimmed.startsWith("//") || trimmed.startsWith("*") || trimmed.startsWith("/*") || NOT_A_DECLARATION.matcher(line).find()) {
                continue;
            }
            final Matcher mods = MODIFIERS.matcher(line);
            final String rest = mods.find() ? line.substring(mods.end()) : trimmed;
            if (type.matcher(rest).lookingAt() || (method.matcher(rest).lookingAt() && !rest.contains("=") && !rest.strip().endsWith(";"))) {
                at = i;
            }
        }
        if (at < 0) {
            throw new MissingIncludeException("no member '" + name + "' declared in " + path);
        }
        // Javadoc, comments and annotations right above the declaration belong to it.
        int start = at;
        while (start > 0) {
            final String above = lines.get(start - 1).strip();
            if (above.startsWith("@") || above.startsWith("//")) {
                start--;
            } else if (above.endsWith("*/")) {
                int open = start - 1;
                while (open >= 0 && !lines.get(open).strip().startsWith("/*")) {
                    open--;
                }
                if (open < 0) {
                    break;
                }
                start = open;
            } else {
                break;
            }
        }
        final int end = closingLine(path, lines, at, name);
        final List<String> out = new ArrayList<>();
        for (int i = start; i <= end; i++) {
            if (!REGION.matcher(lines.get(i)).matches() && !END_REGION.matcher(lines.get(i)).matches()) {
                out.add(lines.get(i));
            }
        }
        return out;
    }

    /** The line where the braces opened from line {@code from} on close again (strings, chars and comments skipped). */
    private static int closingLine(String path, List<String> lines, int from, String name) {
        int depth = 0;
        boolean opened = false;
        boolean blockComment = false;
        for (int i = from; i < lines.size(); i++) {
            final String line = lines.get(i);
            for (int c = 0; c < line.length(); c++) {
                final char ch = line.charAt(c);
                if (blockComment) {
                    if (ch == '*' && c + 1 < line.length() && line.charAt(c + 1) == '/') {
                        blockComment = false;
                        c++;
                    }
                } else if (ch == '/' && c + 1 < line.length() && line.charAt(c + 1) == '/') {
                    break;
                } else if (ch == '/' && c + 1 < line.length() && line.charAt(c + 1) == '*') {
                    blockComment = true;
                    c++;
                } else if (ch == '"' || ch == '\'') {
                    c++;
                    while (c < line.length() && line.charAt(c) != ch) {
                        if (line.charAt(c) == '\\') {
                            c++;
                        }
                        c++;
                    }
                } else if (ch == '{') {
                    depth++;
                    opened = true;
                } else if (ch == '}') {
                    depth--;
                    if (opened && depth == 0) {
                        return i;
                    }
                } else if (ch == ';' && !opened && depth == 0) {
                    return i; // a declaration without a body
                }
            }
        }
        throw new MissingIncludeException("member '" + name + "' in " + path + " (line " + (from + 1) + ") never closes its braces");
    }

    private static List<String> textRange(String path, List<String> lines, String range) {
        final int dots = range.indexOf("..");
        if (dots <= 0 || dots + 2 >= range.length()) {
            throw new MissingIncludeException("'text:" + range + "' in " + path + ": want text:FROM..TO");
        }
        final String from = range.substring(0, dots);
        final String to = range.substring(dots + 2);
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (start < 0 && lines.get(i).contains(from)) {
                start = i;
            }
            if (start >= 0 && lines.get(i).contains(to)) {
                final List<String> out = new ArrayList<>();
                for (String line : lines.subList(start, i + 1)) {
                    if (!REGION.matcher(line).matches() && !END_REGION.matcher(line).matches()) {
                        out.add(line);
                    }
                }
                return out;
            }
        }
        throw new MissingIncludeException(start < 0 ? "no line containing '" + from + "' in " + path
                : "no line containing '" + to + "' after line " + (start + 1) + " of " + path);
    }

    static String dedent(List<String> lines) {
        int from = 0;
        int to = lines.size();
        while (from < to && lines.get(from).isBlank()) {
            from++;
        }
        while (to > from && lines.get(to - 1).isBlank()) {
            to--;
        }
        int indent = Integer.MAX_VALUE;
        for (int i = from; i < to; i++) {
            final String line = lines.get(i);
            if (!line.isBlank()) {
                int n = 0;
                while (n < line.length() && line.charAt(n) == ' ') {
                    n++;
                }
                indent = Math.min(indent, n);
            }
        }
        final StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            final String line = lines.get(i).stripTrailing();
            sb.append(line.length() >= indent ? line.substring(indent) : line.strip()).append('\n');
        }
        return sb.toString();
    }

    static String language(String path) {
        final String name = path.toLowerCase(Locale.ROOT);
        if (name.endsWith(".java")) {
            return "java";
        } else if (name.endsWith(".xml")) {
            return "xml";
        } else if (name.endsWith(".sh")) {
            return "sh";
        } else if (name.endsWith(".md")) {
            return "markdown";
        }
        return "text";
    }

    /** An include directive names a file or region that does not exist. */
    public static final class MissingIncludeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MissingIncludeException(String message) {
            super(message);
        }
    }
}
