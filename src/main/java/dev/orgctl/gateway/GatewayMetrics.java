package dev.orgctl.gateway;

import dev.orgctl.gateway.http.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's meters. Names follow Micrometer's conventions and come out in Prometheus's:
 * <ul>
 *   <li>{@code orgctl_gateway_deliveries_total{event,outcome}}: verified deliveries by outcome
 *       ({@code published}, {@code duplicate}, {@code unavailable})</li>
 *   <li>{@code orgctl_gateway_duplicates_total{source}}: repeats answered 200 without publishing,
 *       by how they were recognized ({@code index}, {@code jetstream})</li>
 *   <li>{@code orgctl_gateway_refusals_total{reason}}: requests refused before publishing</li>
 *   <li>{@code orgctl_gateway_publish_seconds}: JetStream publish-to-ack latency (histogram)</li>
 *   <li>{@code orgctl_gateway_request_seconds{status}}: webhook request latency (histogram)</li>
 *   <li>{@code orgctl_gateway_in_flight_requests}: webhook requests being handled now</li>
 * </ul>
 */
final class GatewayMetrics {
    /** Event names are not signed; anything beyond a generous number of distinct ones is lumped together. */
    static final int MAX_EVENT_LABELS = 200;

    private final MeterRegistry registry;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Timer publish;
    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();
    private final Map<String, Counter> deliveries = new ConcurrentHashMap<>();
    private final Map<String, Counter> duplicates = new ConcurrentHashMap<>();
    private final Map<Integer, Timer> requests = new ConcurrentHashMap<>();

    GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("orgctl.gateway.in.flight.requests", inFlight, AtomicInteger::get)
                .description("webhook requests being handled now").register(registry);
        this.publish = Timer.builder("orgctl.gateway.publish")
                .description("JetStream publish of a delivery, until its ack")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        for (Outcome.Source s : Outcome.Source.values()) {
            duplicate(s, 0);
        }
    }

    AtomicInteger inFlight() {
        return inFlight;
    }

    void refused(Refusal r) {
        refusals.computeIfAbsent(r.reason(), reason -> Counter.builder("orgctl.gateway.refusals")
                .description("webhook requests refused before anything was published")
                .tag("reason", reason).register(registry)).increment();
    }

    void delivered(String event, Outcome outcome) {
        String ev = deliveries.size() < MAX_EVENT_LABELS * 3 ? event : "other";
        String key = ev + "\u0000" + outcome.label();
        deliveries.computeIfAbsent(key, k -> Counter.builder("orgctl.gateway.deliveries")
                .description("verified deliveries by event and outcome")
                .tag("event", ev).tag("outcome", outcome.label()).register(registry)).increment();
        if (outcome instanceof Outcome.Duplicate dup) {
            duplicate(dup.source(), 1);
        }
    }

    private void duplicate(Outcome.Source source, double amount) {
        duplicates.computeIfAbsent(source.label(), label -> Counter.builder("orgctl.gateway.duplicates")
                .description("repeated deliveries answered without publishing, by how they were recognized")
                .tag("source", label).register(registry)).increment(amount);
    }

    void bindIndex(DeliveryIndex index) {
        Gauge.builder("orgctl.gateway.index.deliveries", index, DeliveryIndex::entries)
                .description("delivery GUIDs of the de-duplication window held by this gateway's index")
                .register(registry);
        Gauge.builder("orgctl.gateway.index.heap", index, DeliveryIndex::heapBytes).baseUnit("bytes")
                .description("heap held by this gateway's delivery index")
                .register(registry);
    }

    void bindHttp(HttpServer server) {
        Gauge.builder("orgctl.gateway.http.connections", server, HttpServer::openConnections)
                .description("open HTTP connections").register(registry);
        Gauge.builder("orgctl.gateway.http.body.reserved", server, HttpServer::bodyBytesReserved).baseUnit("bytes")
                .description("request body bytes held or reserved, all requests together").register(registry);
        Gauge.builder("orgctl.gateway.http.body.budget", server, HttpServer::bodyBudget).baseUnit("bytes")
                .description("the most body bytes all requests together may hold").register(registry);
    }

    void publishLatency(long nanos) {
        publish.record(nanos, TimeUnit.NANOSECONDS);
    }

    void request(int status, long nanos) {
        requests.computeIfAbsent(status, s -> Timer.builder("orgctl.gateway.request")
                .description("webhook requests, from the whole request to the answer (0 for refusals made on the head alone)")
                .tag("status", Integer.toString(s))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }
}
