package io.troupe.site;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where the built site is, and its pages. */
final class SiteFiles {
    private SiteFiles() {}

    /** The site built by this module's process-classes phase ({@code -Dsite.output}, set by the pom). */
    static Path output() {
        final Path out = Path.of(System.getProperty("site.output", "target/site"));
        if (!Files.isRegularFile(out.resolve("index.html"))) {
            throw new IllegalStateException("no site at " + out.toAbsolutePath() + ": build it with mvn -pl site -am package");
        }
        return out;
    }

    /** The repository root ({@code -Dsite.root}). */
    static Path root() {
        return Path.of(System.getProperty("site.root", "..")).toAbsolutePath().normalize();
    }

    /** The generated pages (not the copied javadoc), relative to {@code site}, sorted. */
    static List<String> pages(Path site) throws IOException {
        try (Stream<Path> files = Files.walk(site)) {
            return files.filter(p -> p.toString().endsWith(".html"))
                    .map(p -> site.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.startsWith("api/"))
                    .sorted()
                    .toList();
        }
    }
}
