package io.troupe.remote;

/** STUB until the detector branch lands. */
public record ActorUri(NodeAddress node, String path) {
    public static ActorUri parse(String s) {
        int slash = s.indexOf('/', 9);
        return new ActorUri(NodeAddress.parse(s.substring(0, slash)), s.substring(slash));
    }
    @Override public String toString() { return node + path; }
}
