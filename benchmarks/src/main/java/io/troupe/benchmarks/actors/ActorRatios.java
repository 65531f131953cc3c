package io.troupe.benchmarks.actors;

import io.troupe.benchmarks.JmhCsv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the CSV of one JMH run of the actor suite ({@code -rf csv -rff run.csv}) into the
 * Markdown table of {@code benchmarks/README.md}: per workload, Troupe's score on each
 * dispatcher, Pekko's best score over its parameters (throughput, ask continuation) and which
 * parameters gave it, and the Troupe/Pekko ratios. Ratios are only meaningful between rows of
 * the same run.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.troupe.benchmarks.actors.ActorRatios run.csv}
 */
public final class ActorRatios {
    private ActorRatios() {}

    private static final class Row {
        double workStealing = Double.NaN;
        double forkJoin = Double.NaN;
        double pekko = Double.NaN;
        String pekkoParams = "";
        final List<String> pekkoAll = new ArrayList<>();
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ActorRatios <jmh-result.csv>");
            System.exit(2);
        }
        final List<String> lines = Files.readAllLines(Path.of(args[0]));
        final List<String> header = JmhCsv.split(lines.get(0));
        final int benchmark = header.indexOf("Benchmark");
        final int score = header.indexOf("Score");
        final Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            final List<String> f = JmhCsv.split(line);
            final String name = f.get(benchmark);
            if (!name.contains(".actors.") || name.contains(":")) {
                continue; // not an actor workload, or a secondary result (-prof)
            }
            final String cls = name.substring(0, name.lastIndexOf('.'));
            String workload = cls.substring(cls.lastIndexOf('.') + 1).replace("Benchmark", "");
            final boolean pekko = workload.startsWith("Pekko");
            if (pekko) {
                workload = workload.substring("Pekko".length());
            }
            final String pairs = param(header, f, "pairs");
            if (!pairs.isEmpty()) {
                workload += " (" + pairs + (pairs.equals("1") ? " pair)" : " pairs)");
            }
            final Row row = rows.computeIfAbsent(workload, k -> new Row());
            final double s = Double.parseDouble(f.get(score));
            if (pekko) {
                final StringBuilder p = new StringBuilder("throughput=").append(param(header, f, "throughput"));
                final String continuation = param(header, f, "continuation");
                if (!continuation.isEmpty()) {
                    p.append(", ").append(continuation);
                }
                row.pekkoAll.add(p + ": " + format(s));
                if (Double.isNaN(row.pekko) || s > row.pekko) {
                    row.pekko = s;
                    row.pekkoParams = p.toString();
                }
            } else if ("FORK_JOIN".equals(param(header, f, "dispatcher"))) {
                row.forkJoin = s;
            } else {
                row.workStealing = s;
            }
        }
        System.out.println("| workload | Troupe work-stealing | Troupe fork-join | Pekko (best) | Pekko config | WS / Pekko | FJ / Pekko |");
        System.out.println("|---|---:|---:|---:|---|---:|---:|");
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            final Row r = e.getValue();
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", e.getKey(), format(r.workStealing),
                    format(r.forkJoin), format(r.pekko), r.pekkoParams, ratio(r.workStealing, r.pekko), ratio(r.forkJoin, r.pekko));
        }
        System.out.println();
        System.out.println("Pekko, every configuration:");
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            System.out.println("- " + e.getKey() + ": " + String.join("; ", e.getValue().pekkoAll));
        }
    }

    private static String param(List<String> header, List<String> fields, String name) {
        final int i = header.indexOf("Param: " + name);
        if (i < 0 || i >= fields.size()) {
            return "";
        }
        return fields.get(i);
    }

    private static String format(double opsPerSecond) {
        if (Double.isNaN(opsPerSecond)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%,.0f", opsPerSecond);
    }

    private static String ratio(double troupe, double pekko) {
        if (Double.isNaN(troupe) || Double.isNaN(pekko)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2fx", troupe / pekko);
    }
}
