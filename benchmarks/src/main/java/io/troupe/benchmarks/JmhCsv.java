package io.troupe.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading the CSV that JMH writes with {@code -rf csv -rff file.csv}. */
public final class JmhCsv {
    private JmhCsv() {}

    /**
     * The rows of {@code file}, each a map from column name to value, in the file's order; the
     * columns keep the header's order. A parameter column is {@code "Param: name"}, empty in the
     * rows of benchmarks without that parameter.
     */
    public static List<Map<String, String>> read(Path file) throws IOException {
        final List<String> lines = Files.readAllLines(file);
        final List<String> header = split(lines.get(0));
        final List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            final List<String> fields = split(line);
            final Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) {
                row.put(header.get(i), i < fields.size() ? fields.get(i) : "");
            }
            rows.add(row);
        }
        return rows;
    }

    /** Splits one CSV line of JMH's output (fields quoted when they contain commas). */
    public static List<String> split(String line) {
        final List<String> out = new ArrayList<>();
        final StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            final char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
