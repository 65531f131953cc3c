package io.troupe.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
