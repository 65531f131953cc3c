package io.troupe.site;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Code;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.Heading;
import org.commonmark.node.Image;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.NodeRenderer;
import org.commonmark.renderer.html.HtmlNodeRendererContext;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.html.HtmlWriter;

/**
 * Builds the documentation site: Markdown pages to static HTML through one template, with the
 * code snippets cut from the real sources ({@link Includes}), the benchmark charts drawn as SVG
 * ({@link BarChart}) and each module's javadoc copied in.
 *
 * <p>Input, under the site's source folder: {@code pages/} (the Markdown, {@code nav.txt} for
 * the navigation and page order, {@code pending.txt} for pages whose includes wait for code not
 * yet in the tree), {@code template/page.html}, {@code assets/}, {@code data/benchmarks.txt}.
 * Directives, each alone on a line of a page: {@code <!-- include: PATH[#REGION] -->},
 * {@code <!-- chart: ID -->}, {@code <!-- apidocs -->}; the text {@code @troupe.version@} is
 * replaced by the project's version. Links to {@code .md} pages become links to their
 * {@code .html}.
 *
 * <p>Every problem (a missing include, a page missing from the navigation, a malformed chart) is
 * collected and reported together in one {@link SiteException}. NOT thread safe; one build per
 * instance.
 */
public final class SiteBuilder {
    private static final Pattern CHART = Pattern.compile("^<!--\\s*chart:\\s*([a-z0-9-]+)\\s*-->\\s*$");
    private static final Pattern APIDOCS = Pattern.compile("^<!--\\s*apidocs\\s*-->\\s*$");
    private static final Pattern FENCE = Pattern.compile("^\\s{0,3}(`{3,}|~{3,}).*$");
    private static final Pattern NAV_LINE = Pattern.compile("^( *)(.+?)\\s*\\|\\s*(\\S+\\.md)\\s*$");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

    private final Path root;
    private final Path source;
    private final Path out;
    private final Path apidocs;
    private final Includes includes;
    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, BarChart> charts = new LinkedHashMap<>();
    private final String version;
    private int missingCount;
    private List<ModuleDocs> modules = List.of();

    /** One entry of the navigation: a page and, for a section, its pages. */
    record NavEntry(String title, String page, List<NavEntry> children) {}

    /**
     * A library module (one with a {@code module-info.java}): the API reference documents the
     * packages it exports to everyone.
     */
    record ModuleDocs(String folder, String artifactId, String description, String moduleName, List<String> packages) {}

    /**
     * A builder.
     *
     * @param root the repository root (include paths and module folders are relative to it)
     * @param source the site's source folder ({@code site/src})
     * @param out where the site is written ({@code site/target/site}); emptied first
     */
    public SiteBuilder(Path root, Path source, Path out) {
        this(root, source, out, null);
    }

    /**
     * A builder that publishes an aggregated javadoc of the library modules as the site's
     * {@code api/} folder.
     *
     * @param root the repository root (include paths and module folders are relative to it)
     * @param source the site's source folder ({@code site/src})
     * @param out where the site is written ({@code site/target/site}); emptied first
     * @param apidocs the javadoc of all the library modules in one run ({@code site/target/reports/apidocs},
     *     built by the site's pom before this runs); {@code null} or a folder without {@code index.html}:
     *     the API page says it was not built
     */
    public SiteBuilder(Path root, Path source, Path out, Path apidocs) {
        this.root = root.toAbsolutePath().normalize();
        this.source = source.toAbsolutePath().normalize();
        this.out = out.toAbsolutePath().normalize();
        this.apidocs = apidocs == null ? null : apidocs.toAbsolutePath().normalize();
        this.includes = new Includes(this.root);
        this.version = projectVersion(this.root);
    }

    /**
     * Builds the site from the command line: {@code ROOT SOURCE OUT [APIDOCS]}.
     *
     * @param args the repository root, the site's source folder, the output folder, and optionally
     *     the aggregated javadoc to publish under {@code api/}
     * @throws IOException if reading or writing fails
     * @throws SiteException listing every problem found
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 3 && args.length != 4) {
            throw new IllegalArgumentException("usage: SiteBuilder ROOT SOURCE OUT [APIDOCS]");
        }
        final SiteBuilder builder = new SiteBuilder(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]),
                args.length == 4 ? Path.of(args[3]) : null);
        final List<String> pages = builder.build();
        for (String w : builder.warnings) {
            System.out.println("[site] WARNING " + w);
        }
        System.out.println("[site] " + pages.size() + " pages written to " + builder.out);
    }

    /**
     * Builds the whole site.
     *
     * @return the pages written, relative to the output folder
     * @throws IOException if reading or writing fails
     * @throws SiteException listing every problem found, if any
     */
    public List<String> build() throws IOException {
        final Path pagesDir = source.resolve("pages");
        final List<NavEntry> nav = readNav(pagesDir.resolve("nav.txt"));
        final Set<String> pending = readPending(pagesDir.resolve("pending.txt"));
        final String template = Files.readString(source.resolve("template/page.html"), StandardCharsets.UTF_8);
        final Path chartFile = source.resolve("data/benchmarks.txt");
        try {
            for (BarChart chart : BarChart.parse(Files.readAllLines(chartFile, StandardCharsets.UTF_8), "site/src/data/benchmarks.txt")) {
                if (charts.put(chart.id(), chart) != null) {
                    errors.add("benchmarks.txt: chart '" + chart.id() + "' is defined twice");
                }
            }
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
        }
        modules = findModules();

        // Every page is in the navigation, and every navigation entry is a page.
        final List<NavEntry> order = new ArrayList<>();
        for (NavEntry top : nav) {
            order.add(top);
            order.addAll(top.children());
        }
        final Set<String> onDisk = new TreeSet<>();
        try (Stream<Path> files = Files.walk(pagesDir)) {
            files.filter(p -> p.toString().endsWith(".md")).forEach(p -> onDisk.add(pagesDir.relativize(p).toString().replace('\\', '/')));
        }
        final Set<String> inNav = new LinkedHashSet<>();
        for (NavEntry e : order) {
            if (!inNav.add(e.page())) {
                errors.add("nav.txt: " + e.page() + " is listed twice");
            }
            if (!onDisk.contains(e.page())) {
                errors.add("nav.txt: " + e.page() + " does not exist in site/src/pages");
            }
        }
        for (String page : onDisk) {
            if (!inNav.contains(page)) {
                errors.add("site/src/pages/" + page + " is not in nav.txt");
            }
        }
        for (String page : pending) {
            if (!onDisk.contains(page)) {
                errors.add("pending.txt: " + page + " does not exist");
            }
        }

        deleteTree(out);
        Files.createDirectories(out);
        final List<String> written = new ArrayList<>();
        final Parser parser = Parser.builder().extensions(extensions()).build();
        for (NavEntry entry : order) {
            if (!onDisk.contains(entry.page())) {
                continue;
            }
            final String html = renderPage(entry, nav, order, template, parser, pending.contains(entry.page()));
            final String target = entry.page().replaceAll("\\.md$", ".html");
            final Path file = out.resolve(target);
            Files.createDirectories(file.getParent());
            Files.writeString(file, html, StandardCharsets.UTF_8);
            written.add(target);
        }
        copyTree(source.resolve("assets"), out.resolve("assets"));
        Files.createDirectories(out.resolve("img"));
        for (BarChart chart : charts.values()) {
            Files.writeString(out.resolve("img/chart-" + chart.id() + ".svg"), chart.toSvg(), StandardCharsets.UTF_8);
        }
        if (apiBuilt()) {
            checkApiPackages();
            copyTree(apidocs, out.resolve("api"));
        }
        if (!errors.isEmpty()) {
            throw new SiteException(errors);
        }
        return written;
    }

    /** @return what the build noticed without failing (e.g. pending pages) */
    List<String> warnings() {
        return warnings;
    }

    private static List<Extension> extensions() {
        return List.of(TablesExtension.create());
    }

    // ------------------------------------------------------------------ one page

    private String renderPage(NavEntry entry, List<NavEntry> nav, List<NavEntry> order, String template, Parser parser,
                              boolean pending) throws IOException {
        final String page = entry.page();
        final String rootPrefix = "../".repeat((int) page.chars().filter(c -> c == '/').count());
        final List<String> lines = Files.readAllLines(source.resolve("pages").resolve(page), StandardCharsets.UTF_8);
        final Map<String, String> front = new HashMap<>();
        int first = 0;
        if (!lines.isEmpty() && lines.get(0).equals("---")) {
            int i = 1;
            for (; i < lines.size() && !lines.get(i).equals("---"); i++) {
                final int colon = lines.get(i).indexOf(':');
                if (colon > 0) {
                    front.put(lines.get(i).substring(0, colon).strip(), lines.get(i).substring(colon + 1).strip());
                }
            }
            first = i + 1;
        }
        final String title = front.getOrDefault("title", entry.title());
        final int missingBefore = missingCount;
        final String markdown = preprocess(page, lines.subList(Math.min(first, lines.size()), lines.size()), first, rootPrefix, pending);
        if (pending) {
            if (missingCount == missingBefore) {
                errors.add(page + " is listed in site/src/pages/pending.txt but all its includes now resolve:"
                        + " delete that line from pending.txt");
            }
        }
        final Node document = parser.parse(markdown);
        final HtmlRenderer renderer = HtmlRenderer.builder()
                .extensions(extensions())
                .attributeProviderFactory(context -> (node, tagName, attributes) -> {
                    if (node instanceof Link && attributes.containsKey("href")) {
                        attributes.put("href", rewriteLink(attributes.get("href")));
                    } else if (node instanceof Image && attributes.containsKey("src")) {
                        attributes.put("src", rewriteLink(attributes.get("src")));
                    } else if (node instanceof Heading h && h.getLevel() >= 2) {
                        attributes.put("id", Html.slug(textOf(h)));
                    }
                })
                .nodeRendererFactory(CodeRenderer::new)
                .build();
        final String content = renderer.render(document);

        final String topNav = topNav(nav, page, rootPrefix);
        final String sideNav = sideNav(nav, page, rootPrefix);
        final String pager = pager(nav, page, rootPrefix);
        return template
                .replace("{{title}}", Html.escape(title))
                .replace("{{root}}", rootPrefix)
                .replace("{{topnav}}", topNav)
                .replace("{{sidenav}}", sideNav)
                .replace("{{pager}}", pager)
                .replace("{{version}}", Html.escape(version))
                .replace("{{source}}", "site/src/pages/" + page)
                .replace("{{content}}", content);
    }

    /** Expands directives outside fenced code; everything else passes through. */
    private String preprocess(String page, List<String> lines, int firstLine, String rootPrefix, boolean pending) {
        final StringBuilder md = new StringBuilder();
        String fence = null;
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i).replace("@troupe.version@", version);
            final String where = "site/src/pages/" + page + ":" + (firstLine + i + 1) + ": ";
            final Matcher f = FENCE.matcher(line);
            if (fence != null) {
                if (f.matches() && f.group(1).charAt(0) == fence.charAt(0) && f.group(1).length() >= fence.length()
                        && line.strip().equals(f.group(1))) {
                    fence = null;
                }
                md.append(line).append('\n');
                continue;
            }
            if (f.matches()) {
                fence = f.group(1);
                md.append(line).append('\n');
                continue;
            }
            final Matcher include = Includes.DIRECTIVE.matcher(line.strip());
            final Matcher chart = CHART.matcher(line.strip());
            if (include.matches()) {
                try {
                    final Includes.Snippet s = includes.resolve(include.group(1));
                    final String ticks = "`".repeat(Math.max(3, longestBacktickRun(s.code()) + 1));
                    md.append(ticks).append(s.language()).append(" src=").append(include.group(1)).append('\n')
                            .append(s.code()).append(ticks).append("\n");
                } catch (Includes.MissingIncludeException e) {
                    missingCount++;
                    if (pending) {
                        warnings.add(where + "pending include " + include.group(1) + ": " + e.getMessage());
                        md.append("<p class=\"pending\">This step's code is not in the tree yet: <code>")
                                .append(Html.escape(include.group(1))).append("</code></p>\n");
                    } else {
                        errors.add(where + "missing include " + include.group(1) + ": " + e.getMessage());
                    }
                }
            } else if (chart.matches()) {
                final BarChart c = charts.get(chart.group(1));
                if (c == null) {
                    errors.add(where + "no chart '" + chart.group(1) + "' in site/src/data/benchmarks.txt");
                    continue;
                }
                md.append(chartFigure(c, rootPrefix)).append('\n');
            } else if (APIDOCS.matcher(line.strip()).matches()) {
                md.append(apiTable(rootPrefix)).append('\n');
            } else {
                md.append(line).append('\n');
            }
        }
        if (fence != null) {
            errors.add("site/src/pages/" + page + ": a code fence (" + fence + ") is never closed");
        }
        return md.toString();
    }

    private static int longestBacktickRun(String text) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < text.length(); i++) {
            run = text.charAt(i) == '`' ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return longest;
    }

    private static String chartFigure(BarChart c, String rootPrefix) {
        final StringBuilder sb = new StringBuilder();
        sb.append("<figure class=\"chart\" id=\"chart-").append(c.id()).append("\">");
        sb.append("<img src=\"").append(rootPrefix).append("img/chart-").append(c.id()).append(".svg\" alt=\"")
                .append(Html.escape(c.title())).append("\" width=\"480\">");
        sb.append("<figcaption><strong>").append(Html.escape(c.title())).append(".</strong> Ratios; 1.0 = ").append(Html.escape(c.reference())).append(". ");
        if (!c.source().isEmpty()) {
            sb.append("Figures from ").append(Html.escape(c.source())).append(". ");
        }
        sb.append("Produced by:<pre><code>");
        for (String command : c.commands()) {
            sb.append(Html.escape(command)).append('\n');
        }
        sb.append("</code></pre></figcaption></figure>\n");
        return sb.toString();
    }

    private boolean apiBuilt() {
        return apidocs != null && Files.isRegularFile(apidocs.resolve("index.html"));
    }

    /**
     * The table of library modules: each with the packages it exports, linked to their pages in
     * the aggregated javadoc, and the javadoc's index above it.
     */
    private String apiTable(String rootPrefix) {
        final StringBuilder sb = new StringBuilder();
        if (apiBuilt()) {
            sb.append("<p class=\"api-index\"><a href=\"").append(rootPrefix).append("api/index.html\">The whole API reference</a>"
                    + " (every package of every module below, one javadoc)</p>\n");
        } else {
            sb.append("<p class=\"missing\">The API reference was not built here (it is built by the site module's"
                    + " <code>mvn -pl site -am package</code>).</p>\n");
        }
        sb.append("<table class=\"api\"><thead><tr><th>module</th><th>artifact</th><th>what it is</th><th>packages</th></tr></thead><tbody>");
        for (ModuleDocs m : modules) {
            sb.append("<tr><td><code>").append(Html.escape(m.moduleName())).append("</code></td><td><code>io.troupe:")
                    .append(Html.escape(m.artifactId())).append("</code></td><td>").append(Html.escape(m.description())).append("</td><td>");
            for (String pkg : m.packages()) {
                if (apiBuilt()) {
                    sb.append("<a href=\"").append(rootPrefix).append("api/").append(pkg.replace('.', '/'))
                            .append("/package-summary.html\"><code>").append(Html.escape(pkg)).append("</code></a><br>");
                } else {
                    sb.append("<code>").append(Html.escape(pkg)).append("</code><br>");
                }
            }
            sb.append("</td></tr>");
        }
        sb.append("</tbody></table>\n");
        return sb.toString();
    }

    /**
     * The aggregated javadoc documents exactly the packages the library modules export to
     * everyone: none missing (a module left out of the javadoc's sources in site/pom.xml), none
     * extra (an internal or unexported package).
     */
    private void checkApiPackages() throws IOException {
        final Set<String> exported = new TreeSet<>();
        for (ModuleDocs m : modules) {
            exported.addAll(m.packages());
        }
        final Path list = apidocs.resolve("element-list");
        final Set<String> documented = new TreeSet<>();
        if (Files.isRegularFile(list)) {
            for (String line : Files.readAllLines(list, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && !line.startsWith("module:")) {
                    documented.add(line.strip());
                }
            }
        }
        for (String pkg : exported) {
            if (!documented.contains(pkg)) {
                errors.add("the API reference (" + apidocs + ") has no package " + pkg
                        + ", which a library module exports: add the module's sources to the aggregated javadoc in site/pom.xml");
            }
        }
        for (String pkg : documented) {
            if (!exported.contains(pkg)) {
                errors.add("the API reference documents package " + pkg + ", which no library module exports to everyone:"
                        + " leave it out (excludePackageNames in site/pom.xml)");
            }
        }
    }

    private static String rewriteLink(String href) {
        if (href.startsWith("#") || SCHEME.matcher(href).find() || href.startsWith("/")) {
            return href;
        }
        final int hash = href.indexOf('#');
        final String path = hash < 0 ? href : href.substring(0, hash);
        final String fragment = hash < 0 ? "" : href.substring(hash);
        return path.endsWith(".md") ? path.substring(0, path.length() - 3) + ".html" + fragment : href;
    }

    private static String textOf(Node node) {
        final StringBuilder sb = new StringBuilder();
        for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
            if (child instanceof Text t) {
                sb.append(t.getLiteral());
            } else if (child instanceof Code c) {
                sb.append(c.getLiteral());
            } else {
                sb.append(textOf(child));
            }
        }
        return sb.toString();
    }

    /** Renders fenced code; a block cut from a source file gets a caption naming the file. */
    private static final class CodeRenderer implements NodeRenderer {
        private final HtmlWriter html;

        CodeRenderer(HtmlNodeRendererContext context) {
            this.html = context.getWriter();
        }

        @Override
        public Set<Class<? extends Node>> getNodeTypes() {
            return Set.of(FencedCodeBlock.class);
        }

        @Override
        public void render(Node node) {
            final FencedCodeBlock block = (FencedCodeBlock) node;
            final String info = block.getInfo() == null ? "" : block.getInfo().strip();
            final String[] words = info.isEmpty() ? new String[0] : info.split("\\s+");
            final String language = words.length > 0 ? words[0] : "";
            String src = null;
            for (String w : words) {
                if (w.startsWith("src=")) {
                    src = w.substring(4);
                }
            }
            html.line();
            if (src != null) {
                html.raw("<figure class=\"code\"><figcaption>" + Html.escape(caption(src)) + "</figcaption>");
            }
            html.raw("<pre><code" + (language.isEmpty() ? "" : " class=\"language-" + Html.escape(language) + "\"") + ">");
            html.text(block.getLiteral());
            html.raw("</code></pre>");
            if (src != null) {
                html.raw("</figure>");
            }
            html.line();
        }
    }

    /** "path · region NAME", "path · NAME" (a member), "path · lines FROM … TO", or the path alone. */
    private static String caption(String src) {
        final int hash = src.indexOf('#');
        if (hash < 0) {
            return src;
        }
        final String path = src.substring(0, hash);
        final String selector = src.substring(hash + 1);
        if (selector.startsWith("member:")) {
            return path + " · " + selector.substring("member:".length());
        } else if (selector.startsWith("text:")) {
            return path + " · lines " + selector.substring("text:".length()).replace("..", " … ");
        }
        return path + " · region " + selector;
    }

    // ------------------------------------------------------------------ navigation

    private List<NavEntry> readNav(Path file) throws IOException {
        final List<NavEntry> top = new ArrayList<>();
        final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i);
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            final Matcher m = NAV_LINE.matcher(line);
            if (!m.matches()) {
                errors.add("nav.txt:" + (i + 1) + ": want 'TITLE | page.md' (indented for a page of a section)");
                continue;
            }
            final NavEntry e = new NavEntry(m.group(2), m.group(3), new ArrayList<>());
            if (m.group(1).isEmpty()) {
                top.add(e);
            } else if (top.isEmpty()) {
                errors.add("nav.txt:" + (i + 1) + ": an indented entry needs a section above it");
            } else {
                top.get(top.size() - 1).children().add(e);
            }
        }
        return top;
    }

    private static Set<String> readPending(Path file) throws IOException {
        final Set<String> pending = new LinkedHashSet<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && !line.strip().startsWith("#")) {
                    pending.add(line.strip());
                }
            }
        }
        return pending;
    }

    private static NavEntry sectionOf(List<NavEntry> nav, String page) {
        for (NavEntry top : nav) {
            if (top.page().equals(page)) {
                return top;
            }
            for (NavEntry child : top.children()) {
                if (child.page().equals(page)) {
                    return top;
                }
            }
        }
        return null;
    }

    private static String href(String rootPrefix, String page) {
        return rootPrefix + page.replaceAll("\\.md$", ".html");
    }

    private static String topNav(List<NavEntry> nav, String page, String rootPrefix) {
        final NavEntry section = sectionOf(nav, page);
        final StringBuilder sb = new StringBuilder("<ul>");
        for (NavEntry top : nav) {
            sb.append("<li><a href=\"").append(href(rootPrefix, top.page())).append('"');
            if (top == section) {
                sb.append(" class=\"active\"");
            }
            if (top.page().equals(page)) {
                sb.append(" aria-current=\"page\"");
            }
            sb.append('>').append(Html.escape(top.title())).append("</a></li>");
        }
        return sb.append("</ul>").toString();
    }

    private static String sideNav(List<NavEntry> nav, String page, String rootPrefix) {
        final NavEntry section = sectionOf(nav, page);
        if (section == null || section.children().isEmpty()) {
            return "";
        }
        final List<NavEntry> entries = new ArrayList<>();
        entries.add(section);
        entries.addAll(section.children());
        final StringBuilder list = new StringBuilder("<ol>");
        String current = "Overview";
        for (NavEntry e : entries) {
            list.append("<li><a href=\"").append(href(rootPrefix, e.page())).append('"');
            if (e.page().equals(page)) {
                list.append(" aria-current=\"page\"");
                current = e == section ? "Overview" : e.title();
            }
            list.append('>').append(Html.escape(e == section ? "Overview" : e.title())).append("</a></li>");
        }
        list.append("</ol>");
        // A phone gets the section's pages folded away under one line (no script: <details>);
        // a wide screen gets them as a side bar.
        return "<details class=\"side-phone\"><summary>" + Html.escape(section.title()) + ": " + Html.escape(current)
                + " <span>(" + entries.size() + " pages)</span></summary>" + list + "</details>"
                + "<nav class=\"side\" aria-label=\"" + Html.escape(section.title()) + "\">" + list + "</nav>";
    }

    private static String pager(List<NavEntry> nav, String page, String rootPrefix) {
        final NavEntry section = sectionOf(nav, page);
        if (section == null || section.children().isEmpty()) {
            return "";
        }
        final List<NavEntry> entries = new ArrayList<>();
        entries.add(section);
        entries.addAll(section.children());
        int at = -1;
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).page().equals(page)) {
                at = i;
            }
        }
        final StringBuilder sb = new StringBuilder("<nav class=\"pager\" aria-label=\"previous and next\">");
        if (at > 0) {
            final NavEntry prev = entries.get(at - 1);
            sb.append("<a rel=\"prev\" href=\"").append(href(rootPrefix, prev.page())).append("\">← ")
                    .append(Html.escape(prev == section ? section.title() : prev.title())).append("</a>");
        }
        if (at >= 0 && at + 1 < entries.size()) {
            sb.append("<a rel=\"next\" href=\"").append(href(rootPrefix, entries.get(at + 1).page())).append("\">")
                    .append(Html.escape(entries.get(at + 1).title())).append(" →</a>");
        }
        return sb.append("</nav>").toString();
    }

    // ------------------------------------------------------------------ modules and files

    /**
     * The library modules of the root pom, in its order: those with a {@code module-info.java}
     * (not the examples, the benchmarks or the site), with the packages each exports to everyone.
     */
    private List<ModuleDocs> findModules() throws IOException {
        final String pom = Files.readString(root.resolve("pom.xml"), StandardCharsets.UTF_8);
        final List<ModuleDocs> found = new ArrayList<>();
        final Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
        while (m.find()) {
            final String folder = m.group(1).strip();
            final Path modulePom = root.resolve(folder).resolve("pom.xml");
            final Path descriptor = root.resolve(folder).resolve("src/main/java/module-info.java");
            if (!Files.exists(modulePom) || !Files.isRegularFile(descriptor)) {
                continue;
            }
            final String text = Files.readString(modulePom, StandardCharsets.UTF_8).replaceAll("(?s)<parent>.*?</parent>", "");
            final String artifactId = tag(text, "artifactId");
            String description = tag(text, "description");
            if (description.isEmpty()) {
                description = tag(text, "name");
            }
            final String info = Files.readString(descriptor, StandardCharsets.UTF_8)
                    .replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
            final Matcher name = Pattern.compile("\\bmodule\\s+([\\w.]+)\\s*\\{").matcher(info);
            if (!name.find()) {
                errors.add(folder + "/src/main/java/module-info.java: no module declaration found");
                continue;
            }
            final List<String> packages = new ArrayList<>();
            final Matcher exports = Pattern.compile("\\bexports\\s+([\\w.]+)\\s*;").matcher(info); // not "exports p to q;"
            while (exports.find()) {
                packages.add(exports.group(1));
            }
            found.add(new ModuleDocs(folder, artifactId, description, name.group(1), List.copyOf(packages)));
        }
        if (!apiBuilt()) {
            warnings.add("no aggregated javadoc" + (apidocs == null ? "" : " in " + apidocs) + ": the API page says it was not built");
        }
        return found;
    }

    private static String tag(String xml, String name) {
        final Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(xml);
        if (!m.find()) {
            return "";
        }
        return m.group(1).strip().replaceAll("\\s+", " ")
                .replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&");
    }

    private static String projectVersion(Path root) {
        try {
            final String pom = Files.readString(root.resolve("pom.xml"), StandardCharsets.UTF_8);
            final String withoutModules = pom.replaceAll("(?s)<dependencyManagement>.*", "");
            final String v = tag(withoutModules, "version");
            return v.isEmpty() ? "unknown" : v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                final Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** The site could not be built; the message lists every problem, one a line. */
    public static final class SiteException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final List<String> problems;

        SiteException(List<String> problems) {
            super("the site has " + problems.size() + " problem(s):\n  " + String.join("\n  ", problems));
            this.problems = List.copyOf(problems);
        }

        /** @return the problems, one per entry */
        public List<String> problems() {
            return problems;
        }
    }
}
