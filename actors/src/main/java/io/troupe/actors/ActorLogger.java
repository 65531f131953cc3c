package io.troupe.actors;

import java.util.MissingResourceException;
import java.util.ResourceBundle;

/**
 * An actor's logger ({@link ActorContext#log()}): the logger named after the actor's class,
 * with the actor's path at the head of every record ({@code [/user/room-1] joined: ann}), so
 * lines from many instances of one class can be told apart and routed by class. Thread safe, as
 * the logger it wraps; allocates the prefixed message per record that is logged.
 */
final class ActorLogger implements System.Logger {
    /*
     * Threading protocol: immutable; any thread (the slow-handler watchdog logs through it from
     * the timer thread). Implementing System.Logger also keeps this frame out of the source
     * class/method that java.util.logging infers for a record: the source is the caller.
     * Invariants: every record passed on starts with "[path] "; a resource-bundle key is
     * localized here first (a prefixed key would no longer be found).
     * Memory ordering, Shutdown: nothing of its own.
     * References: Pekko's actor logging (the actor path as the log source).
     */
    private final System.Logger delegate;
    private final String prefix;

    ActorLogger(System.Logger delegate, String path) {
        this.delegate = delegate;
        this.prefix = "[" + path + "] ";
    }

    /** The logger name for an actor's class: the class, or {@code io.troupe.actors.Actor} for {@link Actor#of} lambdas. */
    static String loggerName(Class<?> actorClass) {
        return actorClass.getEnclosingClass() == Actor.class ? Actor.class.getName() : actorClass.getName();
    }

    @Override
    public String getName() {
        return delegate.getName();
    }

    @Override
    public boolean isLoggable(Level level) {
        return delegate.isLoggable(level);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        delegate.log(level, null, prefix + localize(bundle, msg), thrown);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        delegate.log(level, null, prefix + localize(bundle, format), params);
    }

    private static String localize(ResourceBundle bundle, String key) {
        if (bundle == null || key == null) {
            return key;
        }
        try {
            return bundle.getString(key);
        } catch (MissingResourceException e) {
            return key;
        }
    }
}
