package io.troupe.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.internal.counters.CountersLayout;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The counters file is in Agrona's layout: Agrona's own {@link CountersReader}, over the mapped
 * file's metadata and values sections, reads what the system counted. (The core writes the file
 * with VarHandles, not with Agrona, so nothing but this test ties the two layouts together.)
 */
@Timeout(60)
class AgronaCountersReaderTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** One counter as Agrona's reader sees it. */
    record Read(int id, int typeId, String label, long value, int state, long freeForReuseDeadline) {}

    @Test
    void agronasCountersReader_readsLabelsTypeIdsAndValues_asTheSystemCounted(@TempDir Path dir) throws Exception {
        // Agrona's CountersReader lists every counter of a running system's file, in order, with the label and type id
        // the system gave it, allocated and not free for reuse, and with the values the system counted (exact for the
        // counters nothing changes any more, a lower bound for the messages handled).
        final long startMillis = System.currentTimeMillis();
        try (ActorSystem system = ActorSystem.builder("agrona-test").parallelism(2).deadLetterLogsPerSecond(0)
                .countersDirectory(dir).build()) {
            final CountDownLatch got = new CountDownLatch(100);
            final ActorRef<String> sink = system.spawn(Actor.<String>of((ctx, m) -> got.countDown()), "sink");
            system.spawn(Actor.<String>of((ctx, m) -> { }), "idle");
            final ActorRef<String> gone = system.spawn(Actor.<String>of((ctx, m) -> ctx.stop(ctx.self())), "gone");
            for (int i = 0; i < 100; i++) {
                sink.tell("m" + i);
            }
            assertTrue(got.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the sink got its messages");
            gone.tell("stop");
            system.whenTerminated(gone).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            for (int i = 0; i < 5; i++) {
                gone.tell("late " + i); // five dead letters
            }
            TroupeStatProcessTest.awaitTrue("the watchdog to fold the handled messages in",
                    () -> system.counterValues().get("messages handled") >= 101);

            final List<Read> read = new ArrayList<>();
            final CountersReader reader;
            try (FileChannel channel = FileChannel.open(system.countersFile().orElseThrow(), StandardOpenOption.READ)) {
                final MappedByteBuffer file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
                final UnsafeBuffer metadata = new UnsafeBuffer(file, CountersLayout.HEADER_LENGTH, CountersLayout.METADATA_LENGTH);
                final UnsafeBuffer values = new UnsafeBuffer(file,
                        CountersLayout.HEADER_LENGTH + CountersLayout.METADATA_LENGTH, CountersLayout.VALUES_LENGTH);
                reader = new CountersReader(metadata, values, StandardCharsets.US_ASCII);
                reader.forEach((counterId, typeId, key, label) -> read.add(new Read(counterId, typeId, label,
                        reader.getCounterValue(counterId), reader.getCounterState(counterId),
                        reader.getFreeForReuseDeadline(counterId))));
            }
            final Map<String, Long> counted = system.counterValues();

            assertEquals(CountersLayout.MAX_COUNTERS - 1, reader.maxCounterId());
            assertEquals(new ArrayList<>(counted.keySet()), read.stream().map(Read::label).toList(), "labels, in id order");
            final Map<String, Integer> typeIds = new LinkedHashMap<>();
            final Map<String, Integer> expectedTypeIds = new LinkedHashMap<>();
            for (Read r : read) {
                assertEquals(read.indexOf(r), r.id(), "ids are dense from 0: " + r);
                assertEquals(CountersReader.RECORD_ALLOCATED, r.state(), r.toString());
                assertEquals(CountersReader.NOT_FREE_TO_REUSE, r.freeForReuseDeadline(), r.toString());
                typeIds.put(r.label(), r.typeId());
                expectedTypeIds.put(r.label(), r.label().startsWith("heartbeat")
                        ? CountersLayout.TYPE_HEARTBEAT : CountersLayout.TYPE_SYSTEM);
            }
            assertEquals(expectedTypeIds, typeIds);

            final Map<String, Long> byAgrona = new LinkedHashMap<>();
            read.forEach(r -> byAgrona.put(r.label(), r.value()));
            // What the scene pins exactly: 3 spawned, 2 alive, 5 dead letters, nothing failed or overflowed.
            assertEquals(3L, byAgrona.get("actors spawned"));
            assertEquals(2L, byAgrona.get("actors alive"));
            assertEquals(5L, byAgrona.get("dead letters"));
            assertEquals(0L, byAgrona.get("failures"));
            assertEquals(0L, byAgrona.get("mailbox overflows"));
            assertTrue(byAgrona.get("messages handled") >= 101, "messages handled " + byAgrona);
            final long heartbeat = byAgrona.get("heartbeat (epoch ms)");
            assertTrue(heartbeat >= startMillis && heartbeat <= System.currentTimeMillis(), "heartbeat " + heartbeat);
            // Every counter the watchdog does not rewrite each scan reads the same through both readers
            // (it folds the per-worker counts into the file: handled, activations, steals, parks, polls,
            // and it writes the timer wheel's pending count; idle workers park between the two reads).
            final java.util.Set<String> folded = java.util.Set.of("messages handled", "activations", "steals", "parks",
                    "selector polls", "timers pending");
            for (String label : counted.keySet()) {
                if (!folded.contains(label) && !label.startsWith("heartbeat")) {
                    assertEquals(counted.get(label), byAgrona.get(label), label);
                }
            }
        }
    }
}
