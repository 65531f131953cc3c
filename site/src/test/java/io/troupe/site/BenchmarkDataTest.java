package io.troupe.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The charts' figures are copies of benchmarks/README.md's: every ratio drawn and every command
 * shown must be written there too, so a typo in the copy, or a figure the README no longer has,
 * turns this red.
 */
@Timeout(30)
class BenchmarkDataTest {
    @Test
    void everyChartFigureAndCommand_isInTheBenchmarksReadme() throws IOException {
        // Each bar's ratio (as written in the data file) and each command (whitespace aside)
        // appear in benchmarks/README.md.
        final Path root = SiteFiles.root();
        final String readme = Files.readString(root.resolve("benchmarks/README.md"), StandardCharsets.UTF_8);
        final String flatReadme = readme.replaceAll("\\s+", " ");
        final List<String> lines = Files.readAllLines(root.resolve("site/src/data/benchmarks.txt"), StandardCharsets.UTF_8);
        final List<String> missing = new ArrayList<>();
        int figures = 0;
        for (BarChart chart : BarChart.parse(lines, "benchmarks.txt")) {
            for (String command : chart.commands()) {
                if (!flatReadme.contains(command.replaceAll("\\s+", " "))) {
                    missing.add(chart.id() + ": command not in the README: " + command);
                }
            }
        }
        for (String line : lines) {
            if (line.startsWith("bar ")) {
                final String[] fields = line.substring(4).split("\\s*\\|\\s*");
                for (int i = 1; i < fields.length; i++) {
                    figures++;
                    if (!readme.matches("(?s).*(?<![0-9.])" + java.util.regex.Pattern.quote(fields[i]) + "(?![0-9]).*")) {
                        missing.add("ratio " + fields[i] + " (" + fields[0] + ") is not in the README");
                    }
                }
            }
        }
        assertEquals(List.of(), missing);
        assertTrue(figures >= 20, "only " + figures + " figures: did the data file parse?");
    }

    @Test
    void chartsParse_andEachHasAPeer() throws IOException {
        // Every chart names what 1.0 is (its peer), where its figures come from, and how they were made.
        final List<BarChart> charts = BarChart.parse(
                Files.readAllLines(SiteFiles.root().resolve("site/src/data/benchmarks.txt"), StandardCharsets.UTF_8), "benchmarks.txt");
        for (BarChart c : charts) {
            assertTrue(!c.reference().isBlank() && !c.source().isBlank() && !c.commands().isEmpty(), c.id());
        }
    }
}
