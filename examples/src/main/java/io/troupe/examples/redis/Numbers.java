package io.troupe.examples.redis;

/** Integers in values and arguments, read as strictly as Redis reads them ({@code string2ll}). */
final class Numbers {
    /** What Redis answers for an argument or value that is not such an integer. */
    static final String NOT_AN_INTEGER = "ERR value is not an integer or out of range";

    private static final NumberFormatException NOT_A_NUMBER = new NumberFormatException("not an integer") {
        private static final long serialVersionUID = 1L;

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // thrown on a hot path by clients' mistakes: no stack to fill
        }
    };

    private Numbers() {}

    /**
     * The integer {@code s} spells: an optional {@code -} and decimal digits, no leading zeros, no
     * spaces, no {@code +}, within a {@code long} ("0" is allowed, "-0" and "007" are not).
     *
     * @throws NumberFormatException if it is not one
     */
    static long parse(byte[] s) {
        final int n = s.length;
        if (n == 0 || n > 20) {
            throw NOT_A_NUMBER;
        }
        if (n == 1 && s[0] == '0') {
            return 0;
        }
        final boolean negative = s[0] == '-';
        int i = negative ? 1 : 0;
        if (i == n || s[i] < '1' || s[i] > '9') {
            throw NOT_A_NUMBER;
        }
        long value = 0; // accumulated negatively, so that Long.MIN_VALUE fits
        for (; i < n; i++) {
            final int d = s[i] - '0';
            if (d < 0 || d > 9 || value < (Long.MIN_VALUE + d) / 10) {
                throw NOT_A_NUMBER;
            }
            value = value * 10 - d;
        }
        if (!negative) {
            if (value == Long.MIN_VALUE) {
                throw NOT_A_NUMBER;
            }
            return -value;
        }
        return value;
    }
}
