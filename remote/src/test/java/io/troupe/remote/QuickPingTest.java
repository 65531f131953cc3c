package io.troupe.remote;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class QuickPingTest {
    @Test
    void pingPong() throws Exception {
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, RemoteSettings.udp(0).withSecret("secret-cookie"));
             RemoteNode nb = RemoteNode.start(b, RemoteSettings.udp(0).withSecret("secret-cookie"))) {
            final ActorRef<String>[] back = new ActorRef[1];
            b.spawn(() -> new Actor<String>() {
                @Override protected void receive(String m) { back[0].tell(m); }
            }, "ponger");
            for (int round = 0; round < 5; round++) {
                final int n = 20000;
                final CountDownLatch done = new CountDownLatch(1);
                final ActorRef<String>[] ponger = new ActorRef[1];
                final ActorRef<String> pinger = a.spawn(() -> new Actor<String>() {
                    int left = n;
                    @Override protected void receive(String m) {
                        if (--left == 0) done.countDown(); else ponger[0].tell("p");
                    }
                }, "pinger" + round);
                back[0] = nb.resolve(na.uriOf(pinger).toString());
                ponger[0] = na.resolve(nb.address() + "/user/ponger");
                final long t0 = System.nanoTime();
                ponger[0].tell("p");
                done.await(60, TimeUnit.SECONDS);
                final long t = System.nanoTime() - t0;
                System.out.printf("round %d: %d round trips, %.1f us each, %.0f/s%n", round, n, t / 1e3 / n, n * 1e9 / t);
            }
        }
    }
}
