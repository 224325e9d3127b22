package dev.orgctl.gateway.http;

import java.net.InetSocketAddress;

/**
 * A request's line and headers, known before its body is read.
 *
 * @param path          the target's path (no query), as sent
 * @param contentLength the declared length, or -1 when the body is chunked or absent
 * @param chunked       {@code Transfer-Encoding: chunked}
 */
public record RequestHead(String method, String target, String path, String version, HttpHeaders headers,
                          long contentLength, boolean chunked, InetSocketAddress remote) {

    /** Whether a body follows the head. */
    public boolean hasBody() {
        return chunked || contentLength > 0;
    }

    /** HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 only when asked to keep it. */
    public boolean keepAlive() {
        if ("HTTP/1.1".equals(version)) {
            return !headers.hasToken("Connection", "close");
        }
        return headers.hasToken("Connection", "keep-alive");
    }

    /** The remote host address, for logs. */
    public String remoteHost() {
        return remote == null || remote.getAddress() == null ? "-" : remote.getAddress().getHostAddress();
    }
}
