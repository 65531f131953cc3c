package io.troupe.site;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A plain link checker over generated HTML, no browser: every {@code href} and {@code src} of a
 * page that points inside the site must name an existing file, and a {@code #fragment} an
 * {@code id} (or {@code name}) in the target page. Links with a scheme (https:, mailto:) are not
 * followed. NOT thread safe.
 */
final class LinkChecker {
    private static final Pattern ATTRIBUTE = Pattern.compile("\\s(href|src)\\s*=\\s*\"([^\"]*)\"");
    private static final Pattern ANCHOR = Pattern.compile("\\s(?:id|name)\\s*=\\s*\"([^\"]*)\"");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

    private final Path site;
    private final Map<Path, Set<String>> anchors = new HashMap<>();
    private int checked;

    LinkChecker(Path site) {
        this.site = site.toAbsolutePath().normalize();
    }

    /** @return how many links the last {@link #check} looked at */
    int checked() {
        return checked;
    }

    /**
     * Checks the links of these pages.
     *
     * @param pages pages relative to the site folder
     * @return one line per broken link: page, link, what is wrong
     */
    List<String> check(List<String> pages) throws IOException {
        final List<String> broken = new ArrayList<>();
        checked = 0;
        for (String page : pages) {
            final Path file = site.resolve(page);
            final String html = Files.readString(file, StandardCharsets.UTF_8);
            final Matcher m = ATTRIBUTE.matcher(html);
            while (m.find()) {
                final String link = unescape(m.group(2));
                if (link.isEmpty() || SCHEME.matcher(link).find() || link.startsWith("//")) {
                    continue;
                }
                checked++;
                final String problem = problem(file, link);
                if (problem != null) {
                    broken.add(page + ": " + m.group(1) + "=\"" + link + "\": " + problem);
                }
            }
        }
        return broken;
    }

    private String problem(Path page, String link) throws IOException {
        final int hash = link.indexOf('#');
        String path = hash < 0 ? link : link.substring(0, hash);
        final String fragment = hash < 0 ? null : link.substring(hash + 1);
        final int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (path.startsWith("/")) {
            return "absolute path: the site must work from any folder and from file://";
        }
        Path target = path.isEmpty() ? page : page.getParent().resolve(URLDecoder.decode(path, StandardCharsets.UTF_8)).normalize();
        if (!target.startsWith(site)) {
            return "points outside the site";
        }
        if (Files.isDirectory(target)) {
            target = target.resolve("index.html");
        }
        if (!Files.isRegularFile(target)) {
            return "no such file " + site.relativize(target);
        }
        if (fragment != null && !fragment.isEmpty() && target.toString().endsWith(".html")) {
            final Set<String> ids = anchors.computeIfAbsent(target, this::anchorsOf);
            if (!ids.contains(URLDecoder.decode(fragment, StandardCharsets.UTF_8))) {
                return "no id \"" + fragment + "\" in " + site.relativize(target);
            }
        }
        return null;
    }

    private Set<String> anchorsOf(Path file) {
        try {
            final Set<String> ids = new HashSet<>();
            final Matcher m = ANCHOR.matcher(Files.readString(file, StandardCharsets.UTF_8));
            while (m.find()) {
                ids.add(unescape(m.group(1))); // javadoc's id="&lt;init&gt;()" is the id <init>()
            }
            return ids;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** An attribute's value as the browser reads it: the five entities HTML generators write. */
    private static String unescape(String value) {
        return value.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                .replace("&amp;", "&");
    }
}
