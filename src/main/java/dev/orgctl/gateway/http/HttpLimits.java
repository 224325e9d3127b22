package dev.orgctl.gateway.http;

import java.time.Duration;

/**
 * What one client may take from the server.
 *
 * @param maxHeadBytes   request line plus headers; beyond it 431
 * @param maxBodyBytes   a body longer than this is never read whole (the handler answers 413)
 * @param requestTimeout from a request's first byte to its last; beyond it 408 and the connection closes
 * @param idleTimeout    how long a keep-alive connection may sit between requests
 * @param maxConnections open connections beyond this are closed as soon as they are accepted
 */
public record HttpLimits(int maxHeadBytes, long maxBodyBytes, Duration requestTimeout, Duration idleTimeout,
                         int maxConnections) {
    public static final int DEFAULT_MAX_HEAD = 32 * 1024;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    public HttpLimits {
        if (maxHeadBytes < 256 || maxBodyBytes < 0 || maxBodyBytes > Integer.MAX_VALUE - 16 || maxConnections < 1
                || requestTimeout.isNegative() || requestTimeout.isZero() || idleTimeout.isNegative()
                || idleTimeout.isZero()) {
            throw new IllegalArgumentException("invalid HTTP limits: " + maxHeadBytes + ", " + maxBodyBytes + ", "
                    + requestTimeout + ", " + idleTimeout + ", " + maxConnections);
        }
    }

    public static HttpLimits defaults(long maxBodyBytes) {
        return new HttpLimits(DEFAULT_MAX_HEAD, maxBodyBytes, DEFAULT_REQUEST_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_MAX_CONNECTIONS);
    }
}
