package dev.orgctl.gateway.http;

import java.time.Duration;

/**
 * What one client, and all of them together, may take from the server.
 *
 * @param maxHeadBytes   request line plus headers; beyond it 431
 * @param maxBodyBytes   a body longer than this is never read whole (the handler answers 413)
 * @param requestTimeout from a request's first byte to its last; beyond it 408 and the connection closes
 * @param idleTimeout    how long a keep-alive connection may sit between requests
 * @param maxConnections open connections beyond this are closed as soon as they are accepted
 * @param maxConnectionsPerAddress the same, for the connections of one client address
 * @param bodyBudgetBytes body bytes all requests together may hold in memory; a request whose
 *                       declared length does not fit is refused at its head (503, or 413 when it
 *                       is larger than the whole budget)
 */
public record HttpLimits(int maxHeadBytes, long maxBodyBytes, Duration requestTimeout, Duration idleTimeout,
                         int maxConnections, int maxConnectionsPerAddress, long bodyBudgetBytes) {
    public static final int DEFAULT_MAX_HEAD = 32 * 1024;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 1_000;

    public HttpLimits {
        if (maxHeadBytes < 256 || maxBodyBytes < 0 || maxBodyBytes > Integer.MAX_VALUE - 16 || maxConnections < 1
                || maxConnectionsPerAddress < 1 || bodyBudgetBytes < 1 || requestTimeout.isNegative()
                || requestTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("invalid HTTP limits: " + maxHeadBytes + ", " + maxBodyBytes + ", "
                    + requestTimeout + ", " + idleTimeout + ", " + maxConnections + ", " + maxConnectionsPerAddress
                    + ", " + bodyBudgetBytes);
        }
    }

    /** No per-address limit beyond the global one, and the default body budget. */
    public HttpLimits(int maxHeadBytes, long maxBodyBytes, Duration requestTimeout, Duration idleTimeout,
                      int maxConnections) {
        this(maxHeadBytes, maxBodyBytes, requestTimeout, idleTimeout, maxConnections, maxConnections,
                defaultBodyBudget());
    }

    public static HttpLimits defaults(long maxBodyBytes) {
        return new HttpLimits(DEFAULT_MAX_HEAD, maxBodyBytes, DEFAULT_REQUEST_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, defaultBodyBudget());
    }

    /** A quarter of the heap the JVM may grow to. */
    public static long defaultBodyBudget() {
        return Math.max(1, Runtime.getRuntime().maxMemory() / 4);
    }

    public HttpLimits withConnections(int max, int perAddress) {
        return new HttpLimits(maxHeadBytes, maxBodyBytes, requestTimeout, idleTimeout, max, perAddress,
                bodyBudgetBytes);
    }

    public HttpLimits withBodyBudget(long bytes) {
        return new HttpLimits(maxHeadBytes, maxBodyBytes, requestTimeout, idleTimeout, maxConnections,
                maxConnectionsPerAddress, bytes);
    }
}
