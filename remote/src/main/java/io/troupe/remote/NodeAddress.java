package io.troupe.remote;

/** STUB until the detector branch lands. */
public record NodeAddress(String system, String host, int port) {
    public static NodeAddress parse(String s) {
        if (!s.startsWith("troupe://")) throw new IllegalArgumentException("not troupe: " + s);
        String r = s.substring(9);
        int at = r.indexOf('@'); int colon = r.lastIndexOf(':');
        return new NodeAddress(r.substring(0, at), r.substring(at + 1, colon), Integer.parseInt(r.substring(colon + 1)));
    }
    @Override public String toString() { return "troupe://" + system + "@" + host + ":" + port; }
}
