package io.troupe.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The generator on a small site of its own, in a temporary folder. */
@Timeout(30)
class SiteBuilderTest {
    @TempDir
    Path root;

    private Path site() throws IOException {
        Files.writeString(root.resolve("pom.xml"), "<project><version>9.9</version><modules><module>m</module></modules></project>");
        Files.createDirectories(root.resolve("m/src"));
        Files.writeString(root.resolve("m/pom.xml"), "<project><artifactId>troupe-m</artifactId><description>M.</description></project>");
        Files.writeString(root.resolve("m/src/X.java"), "class X {\n    // region body\n    int x = 1 < 2 ? 1 : 2;\n    // endregion\n}\n");
        final Path src = root.resolve("site/src");
        for (String dir : List.of("pages/g", "template", "assets", "data")) {
            Files.createDirectories(src.resolve(dir));
        }
        Files.writeString(src.resolve("template/page.html"), "<title>{{title}}</title><nav>{{topnav}}</nav>{{sidenav}}<main>{{content}}</main>{{pager}}<p>{{version}}</p>");
        Files.writeString(src.resolve("data/benchmarks.txt"), "chart c | C | peer\ncommand run it\nbar a | 1.5\n");
        Files.writeString(src.resolve("pages/nav.txt"), "Home | index.md\nGuides | g/index.md\n  One | g/one.md\n");
        Files.writeString(src.resolve("pages/index.md"), "---\ntitle: Hi\n---\n# Hi\n\nSee [one](g/one.md#code) and version @troupe.version@.\n\n<!-- chart: c -->\n");
        Files.writeString(src.resolve("pages/g/index.md"), "# Guides\n");
        Files.writeString(src.resolve("pages/g/one.md"), "# One\n\n## The code\n\n<!-- include: m/src/X.java#body -->\n\n<!-- apidocs -->\n");
        return src;
    }

    @Test
    void build_rendersIncludesLinksChartsNavAndVersion() throws IOException {
        // A page's include becomes an escaped code block with its source named, .md links become
        // .html links, headings get ids, the chart and the API table are drawn, and the page
        // sits in the navigation with previous/next links.
        final Path src = site();
        final Path out = root.resolve("out");
        final List<String> pages = new SiteBuilder(root, src, out).build();
        assertEquals(List.of("index.html", "g/index.html", "g/one.html"), pages);
        final String index = Files.readString(out.resolve("index.html"));
        assertTrue(index.contains("<title>Hi</title>"), index);
        assertTrue(index.contains("<a href=\"g/one.html#code\">one</a>"), index);
        assertTrue(index.contains("version 9.9."), index);
        assertTrue(index.contains("<img src=\"img/chart-c.svg\""), index);
        assertTrue(Files.readString(out.resolve("img/chart-c.svg")).contains("1.50×"));
        final String one = Files.readString(out.resolve("g/one.html"));
        assertTrue(one.contains("<h2 id=\"the-code\">The code</h2>"), one);
        assertTrue(one.contains("<figcaption>m/src/X.java · region body</figcaption>"), one);
        assertTrue(one.contains("<code class=\"language-java\">int x = 1 &lt; 2 ? 1 : 2;\n</code>"), one);
        assertTrue(one.contains("<a href=\"../index.html\">Home</a>"), one);
        assertTrue(one.contains("<a rel=\"prev\" href=\"../g/index.html\">← Guides</a>"), one);
        assertTrue(one.contains("io.troupe:troupe-m") && one.contains("not built here"), one);
    }

    @Test
    void missingInclude_failsTheBuild_withPageAndLine() throws IOException {
        // A missing region fails the build with the page, the line and the include named.
        final Path src = site();
        Files.writeString(src.resolve("pages/g/one.md"), "# One\n\n<!-- include: m/src/X.java#nobody -->\n");
        final SiteBuilder.SiteException e = assertThrows(SiteBuilder.SiteException.class,
                () -> new SiteBuilder(root, src, root.resolve("out")).build());
        assertEquals(List.of("site/src/pages/g/one.md:3: missing include m/src/X.java#nobody: no region 'nobody' in m/src/X.java"
                + " (mark it with '// region nobody' ... '// endregion')"), e.problems());
    }

    @Test
    void pendingPage_showsABox_untilItsIncludesResolve_thenFails() throws IOException {
        // A page listed in pending.txt renders a missing include as a box instead of failing;
        // once its includes resolve, the build fails until the line is deleted.
        final Path src = site();
        Files.writeString(src.resolve("pages/pending.txt"), "g/one.md\n");
        Files.writeString(src.resolve("pages/g/one.md"), "# One\n\n<!-- include: m/src/Later.java#x -->\n");
        new SiteBuilder(root, src, root.resolve("out")).build();
        assertTrue(Files.readString(root.resolve("out/g/one.html")).contains("<p class=\"pending\">"));

        Files.writeString(root.resolve("m/src/Later.java"), "// region x\nclass Later {}\n// endregion\n");
        final SiteBuilder.SiteException e = assertThrows(SiteBuilder.SiteException.class,
                () -> new SiteBuilder(root, src, root.resolve("out")).build());
        assertEquals(List.of("g/one.md is listed in site/src/pages/pending.txt but all its includes now resolve:"
                + " delete that line from pending.txt"), e.problems());
    }

    @Test
    void navAndPages_mustMatch() throws IOException {
        // A page missing from the navigation and a navigation entry without a page both fail.
        final Path src = site();
        Files.writeString(src.resolve("pages/stray.md"), "# Stray\n");
        Files.writeString(src.resolve("pages/nav.txt"), "Home | index.md\nGuides | g/index.md\n  One | g/one.md\n  Two | g/two.md\n");
        final SiteBuilder.SiteException e = assertThrows(SiteBuilder.SiteException.class,
                () -> new SiteBuilder(root, src, root.resolve("out")).build());
        assertEquals(List.of("nav.txt: g/two.md does not exist in site/src/pages", "site/src/pages/stray.md is not in nav.txt"),
                e.problems());
    }
}
