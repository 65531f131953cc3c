package io.troupe.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class LinkCheckTest {
    @Test
    void builtSite_everyInternalLinkAndImage_resolves() throws IOException {
        // Every href/src of every generated page that points inside the site names an existing
        // file, and every #fragment an id of its target page (javadoc included).
        final Path site = SiteFiles.output();
        final List<String> pages = SiteFiles.pages(site);
        final LinkChecker checker = new LinkChecker(site);
        final List<String> broken = checker.check(pages);
        assertEquals(List.of(), broken, "broken links in the site");
        assertTrue(checker.checked() > 10 * pages.size(), "too few links checked (" + checker.checked() + "): is the checker blind?");
    }

    @Test
    void builtSite_hasEveryPageOfTheNavigation() throws IOException {
        // The pages written are exactly those of nav.txt, as .html.
        final Path nav = SiteFiles.root().resolve("site/src/pages/nav.txt");
        final List<String> expected = Files.readAllLines(nav).stream()
                .filter(l -> !l.isBlank() && !l.strip().startsWith("#"))
                .map(l -> l.substring(l.lastIndexOf('|') + 1).strip().replaceAll("\\.md$", ".html"))
                .sorted().toList();
        assertEquals(expected, SiteFiles.pages(SiteFiles.output()));
    }

    @Test
    void apiReference_documentsExactlyTheExportedPackagesOfEveryLibraryModule() throws IOException {
        // The API reference is one javadoc whose packages are exactly those the library modules
        // (a module-info.java in the root pom's modules) export to everyone: every module is in
        // it, and no internal or qualified-export package is.
        final Path api = SiteFiles.output().resolve("api");
        final Set<String> exported = new TreeSet<>();
        final List<String> modules = new ArrayList<>();
        final Matcher module = Pattern.compile("<module>([^<]+)</module>")
                .matcher(Files.readString(SiteFiles.root().resolve("pom.xml")));
        while (module.find()) {
            final Path info = SiteFiles.root().resolve(module.group(1)).resolve("src/main/java/module-info.java");
            if (Files.isRegularFile(info)) {
                modules.add(module.group(1));
                final Matcher export = Pattern.compile("(?m)^\\s*exports\\s+([\\w.]+)\\s*;").matcher(Files.readString(info));
                while (export.find()) {
                    exported.add(export.group(1));
                }
            }
        }
        assertEquals(List.of("mailbox", "timers", "actors", "testkit", "services", "supervision", "io-actors", "remote", "http",
                "observe", "observe-otel"), modules, "the library modules");
        final Set<String> documented = new TreeSet<>(Files.readAllLines(api.resolve("element-list")));
        assertEquals(exported, documented);
        for (String pkg : documented) {
            assertTrue(Files.isRegularFile(api.resolve(pkg.replace('.', '/')).resolve("package-summary.html")), pkg);
        }
        try (Stream<Path> files = Files.walk(api)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().equals("internal")).toList(),
                    "no internal package in the API reference");
        }
    }

    @Test
    void apiReference_everyPageLinkedFromItsIndexExists_andItsPagesLinkEachOther() throws IOException {
        // Every link of the API reference's index and of the site's API page names a page that exists;
        // every link inside the reference resolves (its pages link each other, anchors included).
        final Path site = SiteFiles.output();
        final LinkChecker checker = new LinkChecker(site);
        assertEquals(List.of(), checker.check(List.of("api/index.html", "api.html")), "broken links from the API index");
        assertTrue(checker.checked() >= 20, "too few links from the API index and page: " + checker.checked());
        final List<String> apiPages;
        try (Stream<Path> files = Files.walk(site.resolve("api"))) {
            apiPages = files.filter(p -> p.toString().endsWith(".html"))
                    .map(p -> site.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
        final List<String> broken = new ArrayList<>(checker.check(apiPages));
        // A defect of JDK 17's javadoc, not of ours: constant-values.html's contents link each package
        // group's heading by "#io.troupe", but the heading carries only title="io.troupe", no id.
        final String constants = Files.readString(site.resolve("api/constant-values.html"));
        broken.removeIf(b -> {
            final Matcher m = Pattern.compile("^api/constant-values\\.html: href=\"#([\\w.]+)\": no id .*").matcher(b);
            return m.matches() && constants.contains("<h2 title=\"" + m.group(1) + "\">");
        });
        assertEquals(List.of(), broken, "broken links inside the API reference");
        assertTrue(checker.checked() > 20 * apiPages.size(), "too few links inside the API reference: " + checker.checked());
    }

    @Test
    void apiReference_linksATypeOfOneModuleFromTheDocsOfAnother() throws IOException {
        // Cross-module links: troupe-http's HttpServer takes an ActorSystem of troupe-actors, and
        // its page links that type's page (which exists), not only names it.
        final Path api = SiteFiles.output().resolve("api");
        final Path httpServer = api.resolve("io/troupe/http/HttpServer.html");
        final Matcher link = Pattern.compile("href=\"([^\"#]*/ActorSystem\\.html)[\"#]").matcher(Files.readString(httpServer));
        assertTrue(link.find(), "HttpServer.html has no link to ActorSystem.html");
        final Path target = httpServer.getParent().resolve(link.group(1)).normalize();
        assertEquals(api.resolve("io/troupe/actors/ActorSystem.html").normalize(), target);
        assertTrue(Files.readString(target).contains("ActorSystem"), "the linked page is ActorSystem's");
    }

    @Test
    void checker_reportsMissingFileMissingAnchorAndAbsolutePath(@TempDir Path dir) throws IOException {
        // The checker itself: a page with one good link, one to a missing page, one to a missing
        // anchor, one absolute path, one missing image; external links are not followed.
        Files.writeString(dir.resolve("a.html"), "<h2 id=\"here\">x</h2>"
                + "<a href=\"a.html#here\">ok</a> <a href=\"b.html\">gone</a> <a href=\"a.html#nowhere\">x</a>"
                + " <a href=\"/a.html\">abs</a> <img src=\"img/none.svg\"> <a href=\"https://example.org/x\">ext</a>");
        final List<String> broken = new LinkChecker(dir).check(List.of("a.html"));
        assertEquals(List.of(
                "a.html: href=\"b.html\": no such file b.html",
                "a.html: href=\"a.html#nowhere\": no id \"nowhere\" in a.html",
                "a.html: href=\"/a.html\": absolute path: the site must work from any folder and from file://",
                "a.html: src=\"img/none.svg\": no such file img/none.svg"), broken);
    }
}
