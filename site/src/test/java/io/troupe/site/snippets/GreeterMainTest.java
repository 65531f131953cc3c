package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class GreeterMainTest {
    @Test
    void main_printsTheGreeting() {
        // The getting-started program prints what the page says it prints, and returns.
        final PrintStream out = System.out;
        final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            GreeterMain.main(new String[0]);
        } finally {
            System.setOut(out);
        }
        assertEquals("Hello, Troupe!" + System.lineSeparator(), printed.toString(StandardCharsets.UTF_8));
    }
}
