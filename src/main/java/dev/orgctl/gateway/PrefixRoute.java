package dev.orgctl.gateway;

import dev.orgctl.gateway.http.Handler;
import io.nats.client.Connection;
import java.util.concurrent.Executor;

/**
 * A part of orgctl served on the gateway's port under a path prefix (the Terraform state backend
 * under {@code /tfstate/}). Its handler is built once the gateway has its NATS connection and
 * worker pool; the gateway counts its requests for a graceful stop and refuses them while draining.
 *
 * @param prefix       paths starting with it go to the handler ({@code /tfstate/})
 * @param maxBodyBytes the largest body the handler reads; the server's limit is the largest of all
 *                     routes, and each handler enforces its own
 */
public record PrefixRoute(String prefix, long maxBodyBytes, Factory factory) {
    public PrefixRoute {
        if (!prefix.startsWith("/") || !prefix.endsWith("/") || prefix.length() < 3) {
            throw new IllegalArgumentException("a route prefix is /name/, not " + prefix);
        }
    }

    /** Builds the handler on the gateway's connection and worker pool. */
    @FunctionalInterface
    public interface Factory {
        Handler create(Connection connection, Executor workers);
    }
}
