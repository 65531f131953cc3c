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
 * <p>A region is the lines between {@code // region NAME} and the next {@code // endregion}
 * (also {@code # region} for shell and {@code <!-- region NAME -->} for XML) in the source file;
 * regions may nest and overlap, and every marker line is removed from what is shown. Without
 * {@code #region} the whole file is shown, minus its {@code package}/{@code import} preamble
 * when it is Java. The cut text is dedented.
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
        final List<String> cut = region == null ? wholeFile(path, lines) : region(path, lines, region);
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
