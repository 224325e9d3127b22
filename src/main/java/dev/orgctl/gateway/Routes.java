package dev.orgctl.gateway;

import dev.orgctl.gateway.http.Handler;
import dev.orgctl.gateway.http.RequestHead;
import dev.orgctl.gateway.http.Response;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's one port: {@code GET} endpoints by exact path, answered on the worker pool (a
 * readiness check or a scrape may block); the parts served under a path prefix (the Terraform
 * state backend), counted in flight and refused while draining; and everything else to the webhook
 * handler, which refuses what is not a delivery.
 */
final class Routes implements Handler {
    private static final Logger log = LoggerFactory.getLogger(Routes.class);

    private final WebhookHandler webhooks;
    private final GatewayMetrics metrics;
    private final Executor workers;
    private final Map<String, Supplier<Response>> gets;
    private final Map<String, Handler> prefixes;
    private final BooleanSupplier draining;
    private final long webhookMaxBody;

    /**
     * @param gets     endpoints served on {@code GET} and {@code HEAD}, by exact path
     * @param prefixes handlers by path prefix ({@code /tfstate/})
     * @param webhookMaxBody the webhooks' body limit, below the server's when a prefix takes more
     */
    Routes(WebhookHandler webhooks, GatewayMetrics metrics, Executor workers, Map<String, Supplier<Response>> gets,
           Map<String, Handler> prefixes, BooleanSupplier draining, long webhookMaxBody) {
        this.webhooks = webhooks;
        this.metrics = metrics;
        this.workers = workers;
        this.gets = Map.copyOf(gets);
        this.prefixes = Map.copyOf(prefixes);
        this.draining = draining;
        this.webhookMaxBody = webhookMaxBody;
    }

    Routes(WebhookHandler webhooks, GatewayMetrics metrics, Executor workers, Map<String, Supplier<Response>> gets) {
        this(webhooks, metrics, workers, gets, Map.of(), () -> false, Long.MAX_VALUE);
    }

    private Handler prefixed(RequestHead head) {
        for (Map.Entry<String, Handler> e : prefixes.entrySet()) {
            if (head.path().startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return null;
    }

    @Override
    public Response onHead(RequestHead head) {
        Handler part = prefixed(head);
        if (part != null) {
            if (draining.getAsBoolean()) {
                return Response.json(503, Payloads.line(Map.of("error", "the gateway is shutting down; retry later")))
                        .with("Retry-After", "5");
            }
            Response early = part.onHead(head);
            if (early == null) {
                // In flight from here: a graceful stop waits for this request, body still to come included.
                metrics.inFlight().incrementAndGet();
            }
            return early;
        }
        if (!gets.containsKey(head.path())) {
            return webhooks.onHead(head);
        }
        if (!"GET".equals(head.method()) && !"HEAD".equals(head.method())) {
            metrics.refused(Refusal.METHOD_NOT_ALLOWED);
            return Response.json(405, Payloads.line(Map.of("error", "method not allowed; use GET"))).with("Allow", "GET, HEAD");
        }
        if (head.hasBody()) {
            // Nothing to read: a GET endpoint never buffers a body (the server closes without reading it).
            metrics.refused(Refusal.BODY_TOO_LARGE);
            return Response.json(413, Payloads.line(Map.of("error", head.path() + " takes no request body")));
        }
        return null;
    }

    @Override
    public Response onBodyTooLarge(RequestHead head) {
        Handler part = prefixed(head);
        return part != null ? part.onBodyTooLarge(head) : webhooks.onBodyTooLarge(head);
    }

    @Override
    public void onAbort(RequestHead head) {
        Handler part = prefixed(head);
        if (part != null) {
            metrics.inFlight().decrementAndGet();
            part.onAbort(head);
            return;
        }
        if (!gets.containsKey(head.path())) {
            webhooks.onAbort(head);
        }
    }

    @Override
    public void onRequest(RequestHead head, byte[] body, Exchange exchange) {
        Handler part = prefixed(head);
        if (part != null) {
            part.onRequest(head, body, (response, written) -> exchange.respond(response, () -> {
                metrics.inFlight().decrementAndGet();
                written.run();
            }));
            return;
        }
        Supplier<Response> endpoint = gets.get(head.path());
        if (endpoint == null) {
            if (body.length > webhookMaxBody) {
                // A chunked body read under a prefix route's larger limit: the webhooks' own limit holds.
                webhooks.onAbort(head);
                exchange.respond(webhooks.onBodyTooLarge(head).closing());
                return;
            }
            webhooks.onRequest(head, body, exchange);
            return;
        }
        try {
            workers.execute(() -> {
                try {
                    exchange.respond(endpoint.get());
                } catch (RuntimeException e) {
                    log.atError().setCause(e).addKeyValue("path", head.path()).log("endpoint failed");
                    exchange.respond(Response.json(500, Payloads.line(Map.of("error", "internal error"))));
                }
            });
        } catch (RejectedExecutionException e) {
            exchange.respond(Response.json(503, Payloads.line(Map.of("error", "the gateway is shutting down"))));
        }
    }
}
