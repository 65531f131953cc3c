package io.troupe.io.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WriteQueueTest {
    @Test
    void reservations_releasedOldestFirstAcrossRingGrowthAndWrapAround() {
        // Releases take the oldest reservations first, whatever the ring's growth and wrap-around; surplus releases are ignored.
        final WriteQueue queue = new WriteQueue();
        final ArrayDeque<Integer> model = new ArrayDeque<>();
        long modelBytes = 0;
        final SplittableRandom random = new SplittableRandom(8);
        for (int step = 0; step < 10_000; step++) {
            if (random.nextInt(3) > 0) {
                final int bytes = 1 + random.nextInt(1 << 16);
                queue.reserve(bytes);
                model.addLast(bytes);
                modelBytes += bytes;
            } else {
                final int count = 1 + random.nextInt(8);
                queue.release(count);
                for (int i = 0; i < count && !model.isEmpty(); i++) {
                    modelBytes -= model.pollFirst();
                }
            }
            assertEquals(modelBytes, queue.reservedBytes(), "after step " + step);
        }
        queue.clear();
        assertEquals(0, queue.reservedBytes());
        queue.reserve(5);
        queue.release(100);
        assertEquals(0, queue.reservedBytes(), "a release beyond the reservations releases what there is");
    }
}
