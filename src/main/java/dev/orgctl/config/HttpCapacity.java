package dev.orgctl.config;

import java.util.Optional;

/**
 * How much of the process the gateway's HTTP clients may take ({@code ORGCTL_HTTP_*}).
 *
 * @param bodyBudgetBytes          body bytes in memory for all requests together; empty: a quarter of the heap
 * @param maxConnections           open connections, all clients together
 * @param maxConnectionsPerAddress open connections from one client address
 */
public record HttpCapacity(Optional<Long> bodyBudgetBytes, int maxConnections, int maxConnectionsPerAddress) {
    public static final HttpCapacity DEFAULTS = new HttpCapacity(Optional.empty(), 10_000, 1_000);
}
