package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RemoteSmokeTest {
    @Test
    void tellOverUdp_arrivesInOrder() throws Exception {
        final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, RemoteSettings.udp(0).withSecret("secret-cookie"));
             RemoteNode nb = RemoteNode.start(b, RemoteSettings.udp(0).withSecret("secret-cookie"))) {
            a.spawn(() -> new Actor<String>() {
                @Override
                protected void receive(String m) {
                    got.add(m);
                }
            }, "sink");
            final ActorRef<String> sink = nb.resolve(na.address() + "/user/sink");
            for (int i = 0; i < 1000; i++) {
                sink.tell("m" + i);
            }
            final List<String> seen = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                final String m = got.poll(20, TimeUnit.SECONDS);
                seen.add(m);
                assertEquals("m" + i, m, "at " + i);
            }
        }
    }
}
