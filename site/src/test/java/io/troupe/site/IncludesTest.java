package io.troupe.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class IncludesTest {
    @TempDir
    Path root;

    private Includes includes() throws IOException {
        Files.createDirectories(root.resolve("src"));
        Files.writeString(root.resolve("src/A.java"), String.join("\n",
                "package a;",
                "",
                "import java.util.List;",
                "",
                "class A {",
                "    // region outer",
                "    void f() {",
                "        // region inner",
                "        g();",
                "        // endregion",
                "    }",
                "    // endregion",
                "    // region twice",
                "    // endregion",
                "    // region twice",
                "    // endregion",
                "    // region open",
                "    int x;",
                "}",
                ""));
        return new Includes(root);
    }

    @Test
    void region_isCutDedentedWithoutNestedMarkers() throws IOException {
        // A region's lines come out dedented to its least indented line, with the markers of
        // regions nested in it removed; the inner region alone is cut the same way.
        final Includes includes = includes();
        assertEquals("void f() {\n    g();\n}\n", includes.resolve("src/A.java#outer").code());
        assertEquals("g();\n", includes.resolve("src/A.java#inner").code());
        assertEquals("java", includes.resolve("src/A.java#inner").language());
    }

    @Test
    void wholeJavaFile_dropsPackageAndImports() throws IOException {
        // Without a region the whole file is shown, minus the package/import preamble and markers.
        final String code = includes().resolve("src/A.java").code();
        assertTrue(code.startsWith("class A {\n    void f() {\n        g();\n    }\n"), code);
        assertTrue(!code.contains("region"), code);
    }

    @Test
    void missingFileRegionOrEnd_fails_namingWhatIsMissing() throws IOException {
        // Each way an include can be wrong fails with a message naming the file and the region.
        final Includes includes = includes();
        assertEquals("no such file: src/B.java",
                assertThrows(Includes.MissingIncludeException.class, () -> includes.resolve("src/B.java#x")).getMessage());
        assertEquals("no region 'nope' in src/A.java (mark it with '// region nope' ... '// endregion')",
                assertThrows(Includes.MissingIncludeException.class, () -> includes.resolve("src/A.java#nope")).getMessage());
        assertTrue(assertThrows(Includes.MissingIncludeException.class, () -> includes.resolve("src/A.java#twice"))
                .getMessage().startsWith("region 'twice' is opened twice in src/A.java"));
        assertEquals("region 'open' in src/A.java (line 17) has no endregion",
                assertThrows(Includes.MissingIncludeException.class, () -> includes.resolve("src/A.java#open")).getMessage());
        assertEquals("no such file: ../outside.java",
                assertThrows(Includes.MissingIncludeException.class, () -> includes.resolve("../outside.java")).getMessage());
    }

    @Test
    void member_isCutWithItsJavadocAndAnnotations_toItsClosingBrace() throws IOException {
        // A member selector cuts one declaration: its javadoc and annotations, then up to the
        // brace that closes it, not fooled by braces in strings, chars and comments; a nested
        // type likewise; a call of the method is not mistaken for its declaration.
        Files.createDirectories(root.resolve("src"));
        Files.writeString(root.resolve("src/M.java"), String.join("\n",
                "class M {",
                "    void caller() {",
                "        target(1);",
                "    }",
                "",
                "    /**",
                "     * The target.",
                "     */",
                "    @Override",
                "    public int target(int x) {",
                "        String s = \"}{\"; char c = '}'; // }",
                "        /* { */",
                "        if (x > 0) {",
                "            return x;",
                "        }",
                "        return 0;",
                "    }",
                "",
                "    enum Kind { A, B }",
                "    record Pair(int a, int b) {}",
                "    abstract void noBody(int y);",
                "}",
                ""));
        final Includes includes = new Includes(root);
        assertEquals(String.join("\n",
                "/**",
                " * The target.",
                " */",
                "@Override",
                "public int target(int x) {",
                "    String s = \"}{\"; char c = '}'; // }",
                "    /* { */",
                "    if (x > 0) {",
                "        return x;",
                "    }",
                "    return 0;",
                "}",
                ""), includes.resolve("src/M.java#member:target").code());
        assertEquals("enum Kind { A, B }\n", includes.resolve("src/M.java#member:Kind").code());
        assertEquals("record Pair(int a, int b) {}\n", includes.resolve("src/M.java#member:Pair").code());
        assertEquals("no member 'absent' declared in src/M.java",
                assertThrows(Includes.MissingIncludeException.class, () -> includes.resolve("src/M.java#member:absent")).getMessage());
    }

    @Test
    void textRange_isCutFromTheFirstAnchorToTheNext() throws IOException {
        // A text range runs from the first line containing FROM to the next containing TO.
        final Includes includes = includes();
        assertEquals("void f() {\n    g();\n", includes.resolve("src/A.java#text:f()..g();").code());
        assertEquals("no line containing 'zzz' in src/A.java",
                assertThrows(Includes.MissingIncludeException.class, () -> includes.resolve("src/A.java#text:zzz..g()")).getMessage());
    }
}
