package dev.orgctl.gateway;

import dev.orgctl.gateway.http.Handler;
import dev.orgctl.gateway.http.RequestHead;
import dev.orgctl.gateway.http.Response;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's one port: {@code GET} endpoints by exact path, answered on the worker pool (a
 * readiness check or a scrape may block), and everything else to the webhook handler, which
 * refuses what is not a delivery.
 */
final class Routes implements Handler {
    private static final Logger log = LoggerFactory.getLogger(Routes.class);

    private final WebhookHandler webhooks;
    private final GatewayMetrics metrics;
    private final Executor workers;
    private final Map<String, Supplier<Response>> gets;

    /** @param gets endpoints served on {@code GET} and {@code HEAD}, by exact path */
    Routes(WebhookHandler webhooks, GatewayMetrics metrics, Executor workers, Map<String, Supplier<Response>> gets) {
        this.webhooks = webhooks;
        this.metrics = metrics;
        this.workers = workers;
        this.gets = Map.copyOf(gets);
    }

    @Override
    public Response onHead(RequestHead head) {
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
        return webhooks.onBodyTooLarge(head);
    }

    @Override
    public void onAbort(RequestHead head) {
        if (!gets.containsKey(head.path())) {
            webhooks.onAbort(head);
        }
    }

    @Override
    public void onRequest(RequestHead head, byte[] body, Exchange exchange) {
        Supplier<Response> endpoint = gets.get(head.path());
        if (endpoint == null) {
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
