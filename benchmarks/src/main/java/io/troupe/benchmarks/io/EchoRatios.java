package io.troupe.benchmarks.io;

import io.troupe.benchmarks.JmhCsv;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Turns the CSV of one JMH run of the echo benchmarks ({@code -rf csv -rff run.csv}) into
 * Markdown tables, one per workload and setting (in one JVM; server pinned; with N idle
 * connections): each server's score with its error, {@code p50Micros} and {@code p99Micros},
 * and the three as ratios to Netty's best row of the same table, the Netty row with the highest
 * score. A score ratio above 1 is faster than Netty; a latency ratio below 1 is faster. Ratios
 * are only meaningful between rows of the same run.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.troupe.benchmarks.io.EchoRatios run.csv}
 */
public final class EchoRatios {
    private EchoRatios() {}

    /** The parameter that sets a workload apart rather than a server. */
    private static final String IDLE = "idleConnections";

    /** One benchmark row and its latency rows. */
    private static final class Result {
        final String className;
        final String method;
        final Map<String, String> params;
        double score = Double.NaN;
        double error = Double.NaN;
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        double cpu = Double.NaN;

        Result(String className, String method, Map<String, String> params) {
            this.className = className;
            this.method = method;
            this.params = params;
        }

        boolean isNetty() {
            return className.contains("Netty") || params.getOrDefault("server", "").startsWith("NETTY");
        }

        /** The table this row belongs to: the in-JVM classes share one, the others have their own. */
        String table() {
            final String setting = className.equals("NettyEchoBenchmark") ? "EchoBenchmark" : className;
            final String idle = params.get(IDLE);
            return setting + "." + method + (idle == null ? "" : ", " + idle + " idle connections");
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: EchoRatios <jmh-result.csv>");
            System.exit(2);
        }
        final Map<String, Map<String, Result>> tables = new LinkedHashMap<>();
        for (Map<String, String> row : JmhCsv.read(Path.of(args[0]))) {
            final String name = row.get("Benchmark");
            if (!name.contains(".io.") || !name.contains("Echo") && !name.contains("IdleConnections")) {
                continue;
            }
            final int colon = name.indexOf(':');
            final String benchmark = colon < 0 ? name : name.substring(0, colon);
            final String cls = benchmark.substring(0, benchmark.lastIndexOf('.'));
            final Map<String, String> params = new LinkedHashMap<>();
            row.forEach((column, value) -> {
                if (column.startsWith("Param: ") && !value.isEmpty()) {
                    params.put(column.substring("Param: ".length()), value);
                }
            });
            final Result probe = new Result(cls.substring(cls.lastIndexOf('.') + 1),
                    benchmark.substring(benchmark.lastIndexOf('.') + 1), params);
            final Result r = tables.computeIfAbsent(probe.table(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(benchmark + params, k -> probe);
            final double score = Double.parseDouble(row.get("Score"));
            if (colon < 0) {
                r.score = score;
                r.error = parseOrNaN(row.get("Score Error (99.9%)"));
            } else if (name.endsWith(":p50Micros")) {
                r.p50 = score;
            } else if (name.endsWith(":p99Micros")) {
                r.p99 = score;
            } else if (name.endsWith(":serverCpuMicrosPerRequest")) {
                r.cpu = score;
            }
        }
        final List<Result> all = new ArrayList<>();
        for (Map.Entry<String, Map<String, Result>> table : tables.entrySet()) {
            print(table.getKey(), new ArrayList<>(table.getValue().values()));
            all.addAll(table.getValue().values());
        }
        printIdleGrowth(all);
    }

    /**
     * For the rows with idle connections: each server's p50 and p99 with idle connections
     * against its own with the fewest idle connections of the run (0 in the default run). A
     * ratio near 1.00 is the target: the active connections' latency does not grow with the
     * idle ones.
     */
    private static void printIdleGrowth(List<Result> results) {
        final Map<String, List<Result>> byServer = new LinkedHashMap<>();
        for (Result r : results) {
            if (r.params.containsKey(IDLE) && !Double.isNaN(r.p50)) {
                final Map<String, String> server = new LinkedHashMap<>(r.params);
                server.remove(IDLE);
                byServer.computeIfAbsent(r.className + "." + r.method + " " + server, k -> new ArrayList<>()).add(r);
            }
        }
        if (byServer.isEmpty()) {
            return;
        }
        final Set<String> varying = varyingParams(results);
        System.out.println("### Active connections' latency with idle connections, against the fewest idle");
        System.out.println();
        System.out.println("| benchmark | server | idle | p50 µs | p99 µs | idle | p50 µs | p99 µs | p50 ratio | p99 ratio |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (List<Result> rows : byServer.values()) {
            rows.sort((a, b) -> Integer.compare(Integer.parseInt(a.params.get(IDLE)), Integer.parseInt(b.params.get(IDLE))));
            final Result base = rows.get(0);
            for (Result r : rows.subList(1, rows.size())) {
                System.out.printf(Locale.ROOT, "| %s.%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", r.className, r.method,
                        label(r, varying), base.params.get(IDLE), format(base.p50), format(base.p99), r.params.get(IDLE),
                        format(r.p50), format(r.p99), ratio(r.p50, base.p50), ratio(r.p99, base.p99));
            }
        }
        System.out.println();
    }

    private static void print(String title, List<Result> results) {
        Result netty = null;
        for (Result r : results) {
            if (r.isNetty() && (netty == null || r.score > netty.score)) {
                netty = r;
            }
        }
        final Set<String> varying = varyingParams(results);
        final String unit = results.get(0).method.equals("streaming") ? "MiB/s" : "requests/s";
        System.out.println("### " + title + " (score: " + unit + ")");
        System.out.println();
        System.out.println("| server | score | ± (99.9%) | p50 µs | p99 µs | server CPU µs/req | score / Netty best"
                + " | p50 / Netty best | p99 / Netty best | CPU / Netty best |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "| %s%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", label(r, varying),
                    r == netty ? " (Netty best)" : "", format(r.score), format(r.error), format(r.p50), format(r.p99),
                    formatCpu(r.cpu), ratio(r.score, netty == null ? Double.NaN : netty.score),
                    ratio(r.p50, netty == null ? Double.NaN : netty.p50), ratio(r.p99, netty == null ? Double.NaN : netty.p99),
                    ratio(r.cpu, netty == null ? Double.NaN : netty.cpu));
        }
        System.out.println();
    }

    private static String formatCpu(double micros) {
        return Double.isNaN(micros) ? "" : String.format(Locale.ROOT, "%.2f", micros);
    }

    /** The parameters with more than one value among {@code results}: the ones that tell rows apart. */
    private static Set<String> varyingParams(List<Result> results) {
        final Map<String, Set<String>> values = new LinkedHashMap<>();
        for (Result r : results) {
            r.params.forEach((k, v) -> values.computeIfAbsent(k, x -> new HashSet<>()).add(v));
        }
        final Set<String> varying = new HashSet<>();
        values.forEach((k, v) -> {
            if (v.size() > 1 && !k.equals(IDLE)) {
                varying.add(k);
            }
        });
        return varying;
    }

    private static String label(Result r, Set<String> varying) {
        final StringJoiner label = new StringJoiner(" ");
        if (r.className.equals("NettyEchoBenchmark")) {
            label.add("Netty");
        }
        r.params.forEach((k, v) -> {
            if (varying.contains(k)) {
                label.add(k + "=" + v);
            }
        });
        return label.toString();
    }

    private static double parseOrNaN(String s) {
        return s == null || s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    private static String format(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return String.format(Locale.ROOT, value >= 100 ? "%,.0f" : "%,.1f", value);
    }

    private static String ratio(double value, double reference) {
        if (Double.isNaN(value) || Double.isNaN(reference) || reference == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", value / reference);
    }
}
