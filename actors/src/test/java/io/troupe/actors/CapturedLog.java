package io.troupe.actors;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;

/**
 * Captures what one logger writes through java.util.logging, the default System.Logger
 * backend. JUL is reached reflectively: this module does not read java.logging, and core
 * reflection does not need the read edge. Records are formatted as JUL's SimpleFormatter does.
 */
final class CapturedLog implements AutoCloseable {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Object logger;
    private final Object handler;
    private final Method flush;
    private final Method removeHandler;

    CapturedLog(String loggerName) throws ReflectiveOperationException {
        final Class<?> loggerClass = Class.forName("java.util.logging.Logger");
        final Class<?> handlerClass = Class.forName("java.util.logging.Handler");
        final Object formatter = Class.forName("java.util.logging.SimpleFormatter").getConstructor().newInstance();
        handler = Class.forName("java.util.logging.StreamHandler")
                .getConstructor(OutputStream.class, Class.forName("java.util.logging.Formatter"))
                .newInstance(out, formatter);
        flush = handlerClass.getMethod("flush");
        removeHandler = loggerClass.getMethod("removeHandler", handlerClass);
        logger = loggerClass.getMethod("getLogger", String.class).invoke(null, loggerName);
        loggerClass.getMethod("addHandler", handlerClass).invoke(logger, handler);
    }

    /** Everything captured so far. */
    String text() throws ReflectiveOperationException {
        flush.invoke(handler);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws ReflectiveOperationException {
        removeHandler.invoke(logger, handler);
    }
}
