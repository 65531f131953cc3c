package io.troupe.io.internal;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A bounded wait for a state that no event announces (a thread blocked in {@code select}, a
 * test hook consumed), shared by the socket tests of both packages. Not a sleep standing in for
 * synchronisation: it returns as soon as the condition holds, and fails when the bound is over.
 */
public final class BoundedWait {
    private BoundedWait() {}

    /**
     * Returns once {@code condition} holds, checking it about every millisecond.
     *
     * @throws AssertionError with {@code what} (asked for then, so it can tell the state at the
     *     end) if it does not hold within {@code bound}
     */
    public static void until(BooleanSupplier condition, Duration bound, Supplier<String> what) {
        final long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + bound + ": " + what.get());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
