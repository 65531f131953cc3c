package io.troupe.benchmarks.remote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The loopback interface's transmit counters from {@code /proc/net/dev}: what went over the wire
 * between two nodes on one host. They count every packet on {@code lo} of this network namespace
 * (other processes' too), each with its link, IP and UDP/TCP headers (14 + 20 + 8 or 20+ bytes).
 * For an exact count, run the JVM in a namespace of its own ({@code unshare -n}, see the
 * README). Linux only; elsewhere the counters read -1.
 */
public final class Loopback {
    private static final Path DEV = Path.of("/proc/net/dev");

    private Loopback() {}

    /** Bytes and packets sent on {@code lo} so far: {@code {txBytes, txPackets}}, or {@code {-1, -1}}. */
    public static long[] tx() {
        try {
            for (String line : Files.readAllLines(DEV)) {
                final String trimmed = line.trim();
                if (trimmed.startsWith("lo:")) {
                    final String[] f = trimmed.substring(3).trim().split("\\s+");
                    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets ...
                    return new long[] {Long.parseLong(f[8]), Long.parseLong(f[9])};
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or a format we do not know: report "unknown"
        }
        return new long[] {-1, -1};
    }
}
