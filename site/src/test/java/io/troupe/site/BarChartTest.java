package io.troupe.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BarChartTest {
    @Test
    void svg_barLengthsAreProportionalToTheRatios() {
        // Bars of 1.0 and 3.0 are drawn 1:3 long, in file order, each labelled with its ratio.
        final BarChart chart = BarChart.parse(List.of("chart x | X / Peer | Peer", "command go", "bar one | 1.0", "bar three | 3.0"), "t").get(0);
        final String svg = chart.toSvg();
        final Matcher m = Pattern.compile("<rect x=\"150\" y=\"\\d+\" width=\"([0-9.]+)\"").matcher(svg);
        assertTrue(m.find());
        final double one = Double.parseDouble(m.group(1));
        assertTrue(m.find());
        final double three = Double.parseDouble(m.group(1));
        assertEquals(3.0, three / one, 0.01);
        assertTrue(svg.indexOf(">one<") < svg.indexOf(">three<"));
        assertTrue(svg.contains("1.00×") && svg.contains("3.00×"));
    }

    @Test
    void malformedLines_failWithFileAndLine() {
        // A bad line is reported with its file and line number.
        assertEquals("t:3: not a number: fast",
                assertThrows(IllegalArgumentException.class,
                        () -> BarChart.parse(List.of("chart x | X | P", "command go", "bar a | fast"), "t")).getMessage());
        assertEquals("t:1: 'bar' before any 'chart' line",
                assertThrows(IllegalArgumentException.class, () -> BarChart.parse(List.of("bar a | 1"), "t")).getMessage());
        assertEquals("t: chart 'x' needs at least one bar and one command",
                assertThrows(IllegalArgumentException.class, () -> BarChart.parse(List.of("chart x | X | P", "bar a | 1"), "t")).getMessage());
    }
}
