package io.troupe.site;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A horizontal bar chart of ratios against a reference (the peer = 1.0), drawn as a standalone
 * SVG: no script, no library. Parsed from a small text file of charts:
 *
 * <pre>
 * chart ID | TITLE | what 1.0 is (e.g. "Pekko typed = 1.0")
 * series NAME | NAME ...        (optional; one value column per series, default one)
 * command THE COMMAND THAT PRODUCED IT   (may repeat)
 * source WHERE THE FIGURES ARE WRITTEN DOWN
 * bar LABEL | VALUE | VALUE ... (ratios)
 * </pre>
 *
 * <p>Lines starting with {@code #} and blank lines are ignored. NOT thread safe.
 */
public final class BarChart {
    private static final String[] COLORS = {"#2f6f9f", "#d98c2b", "#6a9f3f"};
    private static final int WIDTH = 480;
    private static final int LABEL_WIDTH = 150;
    private static final int BAR_HEIGHT = 16;
    private static final int GROUP_GAP = 10;
    private static final int TOP = 6;

    final String id;
    final String title;
    final String reference;
    final List<String> series = new ArrayList<>();
    final List<String> commands = new ArrayList<>();
    String source = "";
    final Map<String, double[]> bars = new LinkedHashMap<>();

    private BarChart(String id, String title, String reference) {
        this.id = id;
        this.title = title;
        this.reference = reference;
    }

    /** @return the chart's id (its file is {@code img/chart-ID.svg}) */
    public String id() {
        return id;
    }

    /** @return the chart's title */
    public String title() {
        return title;
    }

    /** @return the commands that produced the figures */
    public List<String> commands() {
        return commands;
    }

    /** @return where the figures are written down */
    public String source() {
        return source;
    }

    /** @return what a ratio of 1.0 is */
    public String reference() {
        return reference;
    }

    /**
     * Parses a chart file.
     *
     * @param lines the file's lines
     * @param file the file's name, for error messages
     * @return the charts, in file order
     * @throws IllegalArgumentException on a malformed line, with its number
     */
    public static List<BarChart> parse(List<String> lines, String file) {
        final List<BarChart> charts = new ArrayList<>();
        BarChart current = null;
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            final int space = line.indexOf(' ');
            final String keyword = space < 0 ? line : line.substring(0, space);
            final String rest = space < 0 ? "" : line.substring(space + 1).strip();
            final String[] fields = rest.split("\\s*\\|\\s*");
            final String where = file + ":" + (i + 1) + ": ";
            if (keyword.equals("chart")) {
                if (fields.length != 3 || !fields[0].matches("[a-z0-9-]+")) {
                    throw new IllegalArgumentException(where + "want 'chart ID | TITLE | REFERENCE', ID in [a-z0-9-]");
                }
                current = new BarChart(fields[0], fields[1], fields[2]);
                charts.add(current);
                continue;
            }
            if (current == null) {
                throw new IllegalArgumentException(where + "'" + keyword + "' before any 'chart' line");
            }
            switch (keyword) {
                case "series" -> current.series.addAll(List.of(fields));
                case "command" -> current.commands.add(rest);
                case "source" -> current.source = rest;
                case "bar" -> {
                    final int columns = Math.max(1, current.series.size());
                    if (fields.length != columns + 1) {
                        throw new IllegalArgumentException(where + "want 'bar LABEL' and " + columns + " value(s)");
                    }
                    final double[] values = new double[columns];
                    for (int c = 0; c < columns; c++) {
                        try {
                            values[c] = Double.parseDouble(fields[c + 1]);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException(where + "not a number: " + fields[c + 1], e);
                        }
                        if (!(values[c] >= 0)) {
                            throw new IllegalArgumentException(where + "a ratio must be >= 0, was " + fields[c + 1]);
                        }
                    }
                    current.bars.put(fields[0], values);
                }
                default -> throw new IllegalArgumentException(where + "unknown keyword '" + keyword + "'");
            }
        }
        for (BarChart chart : charts) {
            if (chart.bars.isEmpty() || chart.commands.isEmpty()) {
                throw new IllegalArgumentException(file + ": chart '" + chart.id + "' needs at least one bar and one command");
            }
        }
        return charts;
    }

    /**
     * Draws the chart.
     *
     * @return a standalone SVG document
     */
    public String toSvg() {
        final int columns = Math.max(1, series.size());
        final int groupHeight = columns * BAR_HEIGHT + GROUP_GAP;
        final int legend = series.isEmpty() ? 0 : 22;
        final int plotTop = TOP + legend;
        final int height = plotTop + bars.size() * groupHeight + 30;
        double max = 1.0;
        for (double[] values : bars.values()) {
            for (double v : values) {
                max = Math.max(max, v);
            }
        }
        max = Math.ceil(max * 1.15 * 2) / 2; // room for the value labels, on a half-unit grid
        final int plotWidth = WIDTH - LABEL_WIDTH - 10;
        final StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" role=\"img\" aria-label=\"").append(Html.escape(title)).append("\" font-family=\"system-ui, sans-serif\" font-size=\"13\">\n");
        svg.append("<title>").append(Html.escape(title)).append("</title>\n");
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        for (int s = 0; s < series.size(); s++) {
            final int x = 4 + s * 190;
            svg.append("<rect x=\"").append(x).append("\" y=\"").append(TOP + 2).append("\" width=\"12\" height=\"12\" fill=\"")
                    .append(COLORS[s % COLORS.length]).append("\"/>");
            svg.append("<text x=\"").append(x + 17).append("\" y=\"").append(TOP + 12).append("\" fill=\"#222\">")
                    .append(Html.escape(series.get(s))).append("</text>\n");
        }
        // Grid lines at every half unit, the reference (1.0) drawn darker.
        for (double g = 0; g <= max + 1e-9; g += max > 4 ? 1.0 : 0.5) {
            final double x = LABEL_WIDTH + plotWidth * g / max;
            final boolean ref = Math.abs(g - 1.0) < 1e-9;
            svg.append("<line x1=\"").append(fmt(x)).append("\" x2=\"").append(fmt(x)).append("\" y1=\"").append(plotTop - 4)
                    .append("\" y2=\"").append(height - 24).append("\" stroke=\"").append(ref ? "#444" : "#ddd")
                    .append("\" stroke-width=\"").append(ref ? 1.5 : 1).append(ref ? "\" stroke-dasharray=\"4 3\"/>\n" : "\"/>\n");
            svg.append("<text x=\"").append(fmt(x)).append("\" y=\"").append(height - 10).append("\" text-anchor=\"middle\" fill=\"#555\">")
                    .append(trim(g)).append("×</text>\n");
        }
        int y = plotTop;
        for (Map.Entry<String, double[]> bar : bars.entrySet()) {
            svg.append("<text x=\"").append(LABEL_WIDTH - 8).append("\" y=\"").append(y + columns * BAR_HEIGHT / 2 + 4)
                    .append("\" text-anchor=\"end\" fill=\"#222\">").append(Html.escape(bar.getKey())).append("</text>\n");
            final double[] values = bar.getValue();
            for (int c = 0; c < values.length; c++) {
                final double w = plotWidth * values[c] / max;
                final int by = y + c * BAR_HEIGHT;
                svg.append("<rect x=\"").append(LABEL_WIDTH).append("\" y=\"").append(by + 1).append("\" width=\"").append(fmt(w))
                        .append("\" height=\"").append(BAR_HEIGHT - 2).append("\" fill=\"").append(COLORS[c % COLORS.length]).append("\"/>");
                svg.append("<text x=\"").append(fmt(LABEL_WIDTH + w + 4)).append("\" y=\"").append(by + BAR_HEIGHT - 4)
                        .append("\" font-size=\"12\" fill=\"#222\">").append(String.format(Locale.ROOT, "%.2f×", values[c])).append("</text>\n");
            }
            y += groupHeight;
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
