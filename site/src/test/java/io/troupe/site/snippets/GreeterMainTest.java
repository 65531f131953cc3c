package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GreeterMainTest {
    @Test
    void main_printsTheGreeting() {
        // The getting-started main answers what the page says it prints.
        assertEquals("Hello, Troupe!", GreeterMain.run());
    }
}
