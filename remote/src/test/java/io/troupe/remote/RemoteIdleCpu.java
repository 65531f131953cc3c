package io.troupe.remote;

import io.troupe.actors.ActorSystem;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Reports the CPU two idle, associated nodes burn (issue 17: "report idle CPU, which must be near
 * zero"): two systems in one JVM, each with a remote node on UDP loopback and its embedded driver
 * (run by the node's thread), heartbeats flowing; then nothing for a while. Prints the
 * CPU time of every thread over the idle window, as a percentage of one core, against the same
 * window with the two systems alone (no remote node). A tool, not a test:
 *
 * <pre>
 * mvn -q -pl remote -am test-compile -DskipTests &amp;&amp; java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
 *     -cp "$(cat remote/target/classpath.txt):remote/target/classes:remote/target/test-classes" io.troupe.remote.RemoteIdleCpu 10
 * </pre>
 * A second argument {@code responsive} runs the nodes with {@code withResponsiveIdle()}.
 */
public final class RemoteIdleCpu {
    private RemoteIdleCpu() {}

    public static void main(String[] args) throws Exception {
        final int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        final boolean responsive = args.length > 1 && args[1].equals("responsive"); // withResponsiveIdle()
        try (ActorSystem a = ActorSystem.create("idle-a"); ActorSystem b = ActorSystem.create("idle-b")) {
            System.out.printf("two actor systems alone:        %s%n", measure(seconds));
            final RemoteSettings settings = responsive ? RemoteSettings.udp(0).withSecret("idle-secret").withResponsiveIdle()
                    : RemoteSettings.udp(0).withSecret("idle-secret");
            try (RemoteNode na = RemoteNode.start(a, settings);
                 RemoteNode nb = RemoteNode.start(b, settings)) {
                nb.resolve(na.address() + "/user/nobody").tell("hello"); // associate: heartbeats flow from now on
                if (!Await.until(() -> na.connectedNodes().size() == 1 && nb.connectedNodes().size() == 1, Duration.ofSeconds(10))) {
                    throw new IllegalStateException("no association");
                }
                Thread.sleep(2_000); // let the JIT and the handshake settle (a tool: the sleep is the idle window itself)
                System.out.printf("plus two associated idle nodes: %s%n", measure(seconds));
            }
        }
    }

    /** The CPU used by all threads over {@code seconds} of idleness, in % of one core, with the busiest threads. */
    private static String measure(int seconds) throws InterruptedException {
        final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        final Map<Long, Long> before = new HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            before.put(id, mx.getThreadCpuTime(id));
        }
        final long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        final long wall = System.nanoTime() - t0;
        long total = 0;
        final StringBuilder top = new StringBuilder();
        for (long id : mx.getAllThreadIds()) {
            final long now = mx.getThreadCpuTime(id);
            final long was = before.getOrDefault(id, 0L);
            if (now < 0 || was < 0) {
                continue;
            }
            final long used = now - was;
            total += used;
            final ThreadInfo info = mx.getThreadInfo(id);
            if (info != null && used * 1000 / wall >= 1) { // at least 0.1 % of a core
                top.append(String.format(" [%s %.2f%%]", info.getThreadName(), 100.0 * used / wall));
            }
        }
        return String.format("%.2f%% of one core over %d s;%s", 100.0 * total / wall, seconds, top);
    }
}
