package io.troupe.remote;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits on a probe (a condition the code under test makes true), bounded. */
final class Await {
    private Await() {}

    static boolean until(BooleanSupplier probe, Duration within) {
        final long deadline = System.nanoTime() + within.toNanos();
        while (!probe.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(1_000_000);
        }
        return true;
    }
}
