package io.troupe.services.internal;

import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by the builders: each message names the parameter and the value. */
public final class Checks {
    private Checks() {}

    /** Returns {@code d} if it is positive; otherwise throws naming {@code name}. */
    public static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        return d;
    }

    /** Returns {@code d} if it is zero or positive; otherwise throws naming {@code name}. */
    public static Duration notNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
        return d;
    }

    /** Returns {@code n} if it is positive; otherwise throws naming {@code name}. */
    public static int positive(int n, String name) {
        if (n <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + n);
        }
        return n;
    }

    /** Returns {@code n} if it is zero or positive; otherwise throws naming {@code name}. */
    public static int notNegative(int n, String name) {
        if (n < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + n);
        }
        return n;
    }

    /** Returns {@code x} if it is within [lo, hi]; otherwise throws naming {@code name}. */
    public static double between(double x, double lo, double hi, String name) {
        if (!(x >= lo && x <= hi)) {
            throw new IllegalArgumentException(name + " must be between " + lo + " and " + hi + ", was " + x);
        }
        return x;
    }
}
