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
}
