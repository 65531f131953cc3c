package io.troupe.supervision;

/**
 * Turns the runtime's per-failure log lines off for tests that fail actors by the thousand.
 * java.util.logging is reached reflectively: this module does not read java.logging, and core
 * reflection does not need the read edge. If JUL is not the System.Logger backend, nothing
 * happens and the test is merely noisy.
 */
final class QuietLogs implements AutoCloseable {
    private static final String[] NAMES = {"io.troupe.actors.ActorCell", "io.troupe.supervision.Supervisor"};
    private final Object[] loggers = new Object[NAMES.length];
    private final Object[] levels = new Object[NAMES.length];

    QuietLogs() {
        try {
            final Class<?> logger = Class.forName("java.util.logging.Logger");
            final Class<?> level = Class.forName("java.util.logging.Level");
            final Object off = level.getField("OFF").get(null);
            for (int i = 0; i < NAMES.length; i++) {
                loggers[i] = logger.getMethod("getLogger", String.class).invoke(null, NAMES[i]);
                levels[i] = logger.getMethod("getLevel").invoke(loggers[i]);
                logger.getMethod("setLevel", level).invoke(loggers[i], off);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // no JUL: keep the noise
        }
    }

    @Override
    public void close() {
        try {
            final Class<?> logger = Class.forName("java.util.logging.Logger");
            final Class<?> level = Class.forName("java.util.logging.Level");
            for (int i = 0; i < NAMES.length; i++) {
                if (loggers[i] != null) {
                    logger.getMethod("setLevel", level).invoke(loggers[i], levels[i]);
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // nothing to restore
        }
    }
}
