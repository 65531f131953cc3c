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
        Files.writeString(root.resolve("m/pom.xml"), "<project><artifactId>troupe-m</artifactId><description>M&lt;T&gt; &amp; co.</description></project>");
        Files.writeString(root.resolve("m/src/X.java"), "class X {\n    // region body\n    int x = 1 < 2 ? 1 : 2;\n    // endregion\n}\n");
        Files.createDirectories(root.resolve("m/src/main/java"));
        Files.writeString(root.resolve("m/src/main/java/module-info.java"),
                "/** M. */\nmodule io.troupe.m {\n    exports io.troupe.m; // api\n    exports io.troupe.m.internal to io.troupe.x;\n}\n");
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
        assertTrue(one.contains("<td><code>io.troupe.m</code></td>") && one.contains("<code>io.troupe.m</code><br>")
                && !one.contains("io.troupe.m.internal"), one); // the module, and only its unqualified export
        assertTrue(one.contains("<td>M&lt;T&gt; &amp; co.</td>"), one); // the pom's entities, escaped once
    }

    @Test
    void apiReference_isPublished_andMustDocumentExactlyTheExportedPackages() throws IOException {
        // The aggregated javadoc is copied to api/ and the API table links each exported package's
        // page in it; a javadoc that lacks an exported package, or documents one that is not
        // exported to everyone (an internal one), fails the build with the package named.
        final Path src = site();
        final Path apidocs = Files.createDirectories(root.resolve("apidocs"));
        Files.writeString(apidocs.resolve("index.html"), "<title>api</title>");
        Files.createDirectories(apidocs.resolve("io/troupe/m"));
        Files.writeString(apidocs.resolve("io/troupe/m/package-summary.html"), "<title>m</title>");

        Files.writeString(apidocs.resolve("element-list"), "io.troupe.m\n");
        final Path out = root.resolve("out");
        new SiteBuilder(root, src, out, apidocs).build();
        assertEquals("<title>m</title>", Files.readString(out.resolve("api/io/troupe/m/package-summary.html")));
        final String one = Files.readString(out.resolve("g/one.html"));
        assertTrue(one.contains("<a href=\"../api/index.html\">") && !one.contains("not built here"), one);
        assertTrue(one.contains("<a href=\"../api/io/troupe/m/package-summary.html\"><code>io.troupe.m</code></a>"), one);

        Files.writeString(apidocs.resolve("element-list"), "io.troupe.m\nio.troupe.m.internal\n");
        final SiteBuilder.SiteException extra = assertThrows(SiteBuilder.SiteException.class,
                () -> new SiteBuilder(root, src, out, apidocs).build());
        assertEquals(1, extra.problems().size(), extra.getMessage());
        assertTrue(extra.problems().get(0).startsWith("the API reference documents package io.troupe.m.internal,"), extra.getMessage());

        Files.writeString(apidocs.resolve("element-list"), "io.troupe.other\n");
        final SiteBuilder.SiteException missing = assertThrows(SiteBuilder.SiteException.class,
                () -> new SiteBuilder(root, src, out, apidocs).build());
        assertTrue(missing.problems().get(0).contains("has no package io.troupe.m,"), missing.getMessage());
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
