package io.troupe.remote;

/** PLACEHOLDER (the codec helper replaces this file): the registry of message codecs. */
public final class Codecs {
    private Codecs() {}

    /** A builder with the built-in codecs registered. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a registry. */
    public static final class Builder {
        Builder() {}

        /** The registry. */
        public Codecs build() {
            return new Codecs();
        }
    }
}
