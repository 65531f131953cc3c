package io.troupe.http.internal.client;

import java.util.Locale;

/**
 * Where a request goes: scheme, host and port (RFC 6454). The pool key. Immutable.
 *
 * @param https whether the scheme is https
 * @param host the host name or IP literal, lower case, without brackets
 * @param port the port
 */
public record Origin(boolean https, String host, int port) {
    /**
     * An origin from URI parts.
     *
     * @param scheme {@code http} or {@code https} (any case)
     * @param host the host
     * @param port the port, or -1 for the scheme's default
     * @return the origin
     * @throws IllegalArgumentException for another scheme or a missing host
     */
    public static Origin of(String scheme, String host, int port) {
        if (scheme == null || host == null || host.isEmpty()) {
            throw new IllegalArgumentException("an absolute http or https URI is needed (scheme and host), got scheme="
                    + scheme + " host=" + host);
        }
        final String s = scheme.toLowerCase(Locale.ROOT);
        final boolean https;
        if (s.equals("https")) {
            https = true;
        } else if (s.equals("http")) {
            https = false;
        } else {
            throw new IllegalArgumentException("only http and https are supported, not " + scheme);
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return new Origin(https, h, port < 0 ? (https ? 443 : 80) : port);
    }

    /**
     * The {@code Host} header's value: the host (bracketed if IPv6) and the port unless it is the
     * scheme's default.
     *
     * @return the authority
     */
    public String authority() {
        final String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return port == (https ? 443 : 80) ? h : h + ":" + port;
    }

    @Override
    public String toString() {
        return (https ? "https://" : "http://") + authority();
    }
}
