package io.troupe.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * {@code mvn -pl site exec:java}, without a nested Maven: the exec plugin's configuration in
 * site/pom.xml (the one a command-line {@code exec:java} uses, not the build-site execution's) is
 * read, its {@code ${...}} resolved as Maven would with {@code -Dsite.port=PORT}, and its main class
 * run with its arguments in a JVM of its own; the site's home page must come back from that port.
 */
@Timeout(120)
class SiteServerExecTest {
    private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");

    /** The plugin-level exec configuration of site/pom.xml: main class and arguments, unresolved. */
    record ExecConfig(String mainClass, String classpathScope, List<String> arguments, Map<String, String> properties) {}

    static ExecConfig readExecConfig(Path pom) throws Exception {
        final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(false);
        final Document doc = factory.newDocumentBuilder().parse(pom.toFile());
        final Element project = doc.getDocumentElement();
        final Map<String, String> properties = new HashMap<>();
        for (Element p : children(child(project, "properties"))) {
            properties.put(p.getTagName(), p.getTextContent().strip());
        }
        Element exec = null;
        for (Element plugin : children(child(child(project, "build"), "plugins"))) {
            if (text(plugin, "artifactId").equals("exec-maven-plugin")) {
                exec = plugin;
            }
        }
        assertTrue(exec != null, "no exec-maven-plugin in " + pom);
        final Element configuration = child(exec, "configuration"); // the plugin's own: what exec:java from the command line uses
        final List<String> arguments = new ArrayList<>();
        for (Element a : children(child(configuration, "arguments"))) {
            arguments.add(a.getTextContent().strip());
        }
        return new ExecConfig(text(configuration, "mainClass"), text(configuration, "classpathScope"), arguments, properties);
    }

    /** Resolves {@code ${name}} as Maven does for this module: system properties (-D) first, then the pom's. */
    static String resolve(String value, Map<String, String> properties, Map<String, String> commandLine) {
        String v = value;
        for (int round = 0; round < 10 && v.contains("${"); round++) {
            final Matcher m = PROPERTY.matcher(v);
            final StringBuilder sb = new StringBuilder();
            while (m.find()) {
                final String name = m.group(1);
                final String replacement = commandLine.containsKey(name) ? commandLine.get(name) : properties.get(name);
                assertTrue(replacement != null, "unknown property ${" + name + "} in " + value);
                m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
            }
            m.appendTail(sb);
            v = sb.toString();
        }
        return v;
    }

    @Test
    void execJava_startsSiteServer_onTheDocumentedPortProperty_andServesTheHomePage() throws Exception {
        // What `mvn -pl site exec:java -Dsite.port=PORT` runs: the main class and arguments of the exec
        // plugin's configuration, resolved, serve the built site's index.html on PORT.
        final Path siteDir = SiteFiles.root().resolve("site");
        final ExecConfig exec = readExecConfig(siteDir.resolve("pom.xml"));
        assertEquals(SiteServer.class.getName(), exec.mainClass(), "the documented main class");
        assertEquals("compile", exec.classpathScope());
        // The README documents the command, the property and its default; the pom's default is that one.
        final String readme = Files.readString(siteDir.resolve("README.md"));
        assertTrue(readme.contains("`mvn -pl site exec:java`") && readme.contains("`-Dsite.port=N`")
                && readme.contains("http://localhost:" + exec.properties().get("site.port") + "/"), "site/README.md documents it");
        assertEquals("8000", exec.properties().get("site.port"));

        final int port;
        try (ServerSocket probe = new ServerSocket(0)) { // a free port, for -Dsite.port
            port = probe.getLocalPort();
        }
        final Map<String, String> properties = new HashMap<>(exec.properties());
        properties.put("project.basedir", siteDir.toString());
        properties.put("project.build.directory", siteDir.resolve("target").toString());
        final List<String> arguments = new ArrayList<>();
        for (String a : exec.arguments()) {
            arguments.add(resolve(a, properties, Map.of("site.port", Integer.toString(port))));
        }
        assertEquals(List.of(siteDir.resolve("target/site").toString(), Integer.toString(port)), arguments);

        final List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), exec.mainClass()));
        command.addAll(arguments);
        final Process server = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            final BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            final CompletableFuture<String> serving = CompletableFuture.supplyAsync(() -> {
                try {
                    final StringBuilder seen = new StringBuilder();
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        seen.append(line).append('\n');
                        if (line.startsWith("serving ")) {
                            return line;
                        }
                    }
                    return "exited before serving:\n" + seen;
                } catch (IOException e) {
                    return "unreadable: " + e;
                }
            });
            final String line = serving.get(60, TimeUnit.SECONDS);
            assertTrue(line.endsWith(" at http://localhost:" + port + "/"), line);

            final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            final HttpResponse<String> home = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, home.statusCode());
            assertEquals("text/html; charset=utf-8", home.headers().firstValue("Content-Type").orElse(""));
            assertEquals(Files.readString(SiteFiles.output().resolve("index.html")), home.body());
        } finally {
            server.destroy(); // SIGTERM: the server's graceful shutdown
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    private static Element child(Element parent, String name) {
        for (Element e : children(parent)) {
            if (e.getTagName().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no <" + name + "> in <" + parent.getTagName() + ">");
    }

    private static String text(Element parent, String name) {
        for (Element e : children(parent)) {
            if (e.getTagName().equals(name)) {
                return e.getTextContent().strip();
            }
        }
        return "";
    }

    private static List<Element> children(Element parent) {
        final List<Element> list = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                list.add(e);
            }
        }
        return list;
    }
}
