package dev.orgctl.gateway;

import dev.orgctl.config.HttpCapacity;
import dev.orgctl.config.Setting;
import dev.orgctl.gateway.http.FatalErrors;
import dev.orgctl.gateway.http.Handler;
import dev.orgctl.gateway.http.HttpLimits;
import dev.orgctl.gateway.http.HttpServer;
import dev.orgctl.gateway.http.Response;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook gateway: the only door into the system. It serves, on one port:
 * <ul>
 *   <li>{@code POST /webhooks/github}: verified, de-duplicated, durable ingestion (see
 *       {@link WebhookHandler} and {@link Ingestor});</li>
 *   <li>{@code GET /healthz}: the process is alive;</li>
 *   <li>{@code GET /readyz}: NATS connected, JetStream answering, the delivery index caught up,
 *       plus whatever other parts register in {@link #readiness()};</li>
 *   <li>{@code GET /metrics}: the Prometheus registry given at start.</li>
 * </ul>
 * HTTP is served by {@link HttpServer} (Netty, within the limits of {@link HttpLimits}),
 * de-duplication rests on the {@link DeliveryIndex}. It owns its NATS connection, opened with no reconnect buffer so that a
 * publish made while disconnected fails at once instead of being sent later. {@link #close()} is the graceful stop:
 * refuse new requests (503, readyz 503), wait for the in-flight ones, stop HTTP, then close NATS.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);
    /** Headroom of readiness: JetStream is asked at most once per second. */
    private static final long READY_CHECK_INTERVAL_MS = 1000;
    private static final Duration INDEX_STARTUP_WAIT = Duration.ofSeconds(10);

    private final GatewaySettings settings;
    private final Connection connection;
    private final HttpServer server;
    private final ExecutorService executor;
    private final GatewayMetrics metrics;
    private final Readiness readiness;
    private final AtomicBoolean draining;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final DeliveryIndex index;

    private Gateway(GatewaySettings settings, Connection connection, HttpServer server, ExecutorService executor,
                    GatewayMetrics metrics, Readiness readiness, AtomicBoolean draining, DeliveryIndex index) {
        this.index = index;
        this.settings = settings;
        this.connection = connection;
        this.server = server;
        this.executor = executor;
        this.metrics = metrics;
        this.readiness = readiness;
        this.draining = draining;
    }

    /**
     * Connects to NATS (its own connection, role {@code gateway}), checks that the topology the
     * gateway needs exists, and starts serving.
     *
     * @throws dev.orgctl.config.ConfigException when no secret is configured and the insecure mode is off
     * @throws NatsUnavailableException          when NATS or the topology is missing
     * @throws UncheckedIOException              when the address cannot be bound
     */
    public static Gateway start(GatewaySettings settings, NatsConnector connector, PrometheusMeterRegistry registry) {
        return start(settings, connector, registry, Map.of());
    }

    /**
     * {@link #start(GatewaySettings, NatsConnector, PrometheusMeterRegistry)} with the readiness
     * checks of the parts that run beside the gateway (the controller, the git ref watcher), in
     * place before the port opens: a probe that finds the port open never sees /readyz without them.
     */
    public static Gateway start(GatewaySettings settings, NatsConnector connector, PrometheusMeterRegistry registry,
                                Map<String, Readiness.Check> partChecks) {
        return start(settings, connector, registry, partChecks, List.of());
    }

    /**
     * {@link #start(GatewaySettings, NatsConnector, PrometheusMeterRegistry, Map)} with the parts served
     * under a path prefix (the Terraform state backend), built on the gateway's connection and workers.
     */
    public static Gateway start(GatewaySettings settings, NatsConnector connector, PrometheusMeterRegistry registry,
                                Map<String, Readiness.Check> partChecks, List<PrefixRoute> prefixRoutes) {
        settings.requireVerification();
        Connection connection = connector.connect("gateway", Duration.ofSeconds(5), b -> b.reconnectBufferSize(0));
        try {
            JetStreamOptions jso = JetStreamOptions.builder(connector.jetStreamOptions())
                    .requestTimeout(settings.natsTimeout()).build();
            JetStream js = connection.jetStream(jso);
            JetStreamManagement jsm = connection.jetStreamManagement(jso);
            StreamInfo events = requireEventsStream(jsm);
            GatewayMetrics metrics = new GatewayMetrics(registry);
            DeliveryIndex index = DeliveryIndex.start(connection, js, jsm, events, settings.dedupWindow(),
                    settings.natsTimeout());
            metrics.bindIndex(index);
            awaitIndex(index);
            Ingestor ingestor = new Ingestor(connection, index, new EventPublisher(js, settings.natsTimeout()), metrics);

            long maxPayload = connection.getMaxPayload();
            if (maxPayload > 0 && maxPayload < settings.maxBodyBytes()) {
                log.atWarn().addKeyValue("nats_max_payload", maxPayload).addKeyValue("max_body", settings.maxBodyBytes())
                        .log("the NATS server's max_payload is below the gateway's body limit: larger deliveries "
                                + "will be refused with 413; raise max_payload (GitHub sends up to 25 MiB)");
            }
            AtomicInteger threadNo = new AtomicInteger();
            // Blocking work only: bodies over 256 KiB, readiness and metrics. New deliveries never
            // hold one of these threads.
            ThreadPoolExecutor executor = new ThreadPoolExecutor(settings.workerThreads(), settings.workerThreads(),
                    60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    r -> FatalErrors.thread(r, "gateway-worker-" + threadNo.incrementAndGet()));
            executor.allowCoreThreadTimeOut(true);
            AtomicBoolean draining = new AtomicBoolean();
            // Every check is in place before the port opens, so /readyz never says ready too early.
            Readiness readiness = new Readiness();
            AtomicReference<HttpServer> http = new AtomicReference<>();
            Readiness.Check serving = () -> http.get() == null ? Optional.of("HTTP server starting")
                    : http.get().problem();
            readiness.add("http", () -> draining.get() ? Optional.of("shutting down") : serving.problem());
            readiness.add("nats", () -> connection.getStatus() == Connection.Status.CONNECTED ? Optional.empty()
                    : Optional.of("connection " + connection.getStatus().name().toLowerCase(java.util.Locale.ROOT)));
            readiness.add("jetstream", Readiness.cached(READY_CHECK_INTERVAL_MS, () -> jetStreamProblem(connection, jsm)));
            readiness.add("delivery_index", index::problem);
            partChecks.forEach(readiness::add);
            WebhookHandler webhooks = new WebhookHandler(settings, ingestor, metrics, draining::get,
                    connection::getMaxPayload, executor);
            Map<String, Handler> prefixes = new LinkedHashMap<>();
            long maxBody = settings.maxBodyBytes();
            for (PrefixRoute p : prefixRoutes) {
                prefixes.put(p.prefix(), p.factory().create(connection, executor));
                maxBody = Math.max(maxBody, p.maxBodyBytes());
            }
            Routes routes = new Routes(webhooks, metrics, executor, Map.of(
                    "/healthz", () -> healthResponse(serving),
                    "/readyz", () -> readinessResponse(readiness),
                    "/metrics", () -> Response.of(200, "text/plain; version=0.0.4; charset=utf-8",
                            registry.scrape().getBytes(StandardCharsets.UTF_8))),
                    prefixes, draining::get, settings.maxBodyBytes());
            HttpServer server;
            try {
                server = HttpServer.start(new InetSocketAddress(settings.address().host(), settings.address().port()),
                        1024, limits(settings, maxBody), routes, "gateway-http");
                http.set(server);
                metrics.bindHttp(server);
            } catch (UncheckedIOException e) {
                executor.shutdownNow();
                throw e;
            }
            Gateway g = new Gateway(settings, connection, server, executor, metrics, readiness, draining, index);
            if (settings.insecureNoSignature()) {
                log.atWarn().addKeyValue("address", g.url())
                        .log("signature verification is OFF (--insecure-no-signature): anyone who can reach this "
                                + "address can inject events; never run it this way on a reachable address");
            }
            log.atInfo().addKeyValue("url", g.url() + WebhookHandler.PATH)
                    .addKeyValue("secrets", settings.secrets().secrets().size())
                    .addKeyValue("max_body", settings.maxBodyBytes())
                    .log("gateway listening");
            return g;
        } catch (IOException | JetStreamApiException e) {
            closeQuietly(connection);
            throw new NatsUnavailableException("JetStream is not available: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    /** The HTTP limits of these settings; the body budget defaults to a quarter of the heap. */
    static HttpLimits limits(GatewaySettings settings) {
        return limits(settings, settings.maxBodyBytes());
    }

    /** The same, for a server whose largest body is {@code maxBody} (a prefix route may take more). */
    static HttpLimits limits(GatewaySettings settings, long maxBody) {
        HttpCapacity c = settings.capacity();
        HttpLimits limits = HttpLimits.defaults(maxBody)
                .withConnections(c.maxConnections(), Math.min(c.maxConnections(), c.maxConnectionsPerAddress()))
                .withBodyBudget(c.bodyBudgetBytes().orElseGet(HttpLimits::defaultBodyBudget));
        if (limits.bodyBudgetBytes() < settings.maxBodyBytes()) {
            log.atWarn().addKeyValue("body_budget", limits.bodyBudgetBytes()).addKeyValue("max_body", settings.maxBodyBytes())
                    .log("the HTTP body budget is below the body limit: larger deliveries are refused with 413; "
                            + "raise the heap (-Xmx) or " + Setting.HTTP_BODY_BUDGET.displayName());
        }
        return limits;
    }

    /** {@code /healthz}: 200 while the HTTP side can serve (its loops run and tick), else 503. */
    private static Response healthResponse(Readiness.Check serving) {
        Optional<String> problem = serving.problem();
        return problem.isEmpty() ? Response.json(200, Payloads.line(Map.of("status", "ok")))
                : Response.json(503, Payloads.line(Map.of("status", problem.get())));
    }

    /**
     * Waits a little for the index to read the window, so that a gateway is usually ready when
     * start returns; a long window of heavy traffic takes longer, and {@code /readyz} says so.
     */
    private static void awaitIndex(DeliveryIndex index) {
        try {
            if (!index.awaitCurrent(INDEX_STARTUP_WAIT)) {
                log.atWarn().addKeyValue("read", index.entries())
                        .log("delivery index still reading " + Topology.EVENTS_STREAM + "; deliveries are answered "
                                + "503 and /readyz is 503 until it has caught up");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A Prometheus registry with the JVM's and the process's meters bound, for {@code /metrics}. */
    public static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    /** The stream the gateway publishes to and indexes; its absence is a clear error. */
    private static StreamInfo requireEventsStream(JetStreamManagement jsm) {
        String stream = Topology.EVENTS_STREAM;
        try {
            return jsm.getStreamInfo(stream);
        } catch (JetStreamApiException e) {
            throw new NatsUnavailableException("the gateway needs " + stream + ", which JetStream does not have ("
                    + e.getMessage() + "); run 'orgctl topology apply'", e);
        } catch (IOException e) {
            throw new NatsUnavailableException("JetStream did not answer about " + stream + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> jetStreamProblem(Connection connection, JetStreamManagement jsm) {
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            return Optional.of("not connected");
        }
        try {
            jsm.getStreamInfo(Topology.EVENTS_STREAM);
            return Optional.empty();
        } catch (JetStreamApiException e) {
            return Optional.of("JetStream refused: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            return Optional.of("JetStream did not answer: " + e.getMessage());
        }
    }

    /** The address the gateway listens on (the real port when 0 was asked). */
    public InetSocketAddress address() {
        return server.address();
    }

    /** {@code http://host:port}, for logs and clients. */
    public URI url() {
        InetSocketAddress a = server.address();
        String host = a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + a.getPort());
    }

    /** Readiness checks; other parts of orgctl add theirs here. */
    public Readiness readiness() {
        return readiness;
    }

    /** The gateway's own NATS connection (for tests and diagnostics). */
    public Connection connection() {
        return connection;
    }

    public GatewaySettings settings() {
        return settings;
    }

    /** Requests being handled now. */
    public int inFlight() {
        return metrics.inFlight().get();
    }

    private static Response readinessResponse(Readiness readiness) {
        Readiness.Report r = readiness.report();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", r.ready());
        body.put("checks", r.checks());
        return Response.json(r.ready() ? 200 : 503, Payloads.line(body));
    }

    /**
     * Graceful stop: new requests are answered 503 (and {@code /readyz} 503) while the in-flight
     * ones finish, for at most the shutdown grace; then HTTP stops and the NATS connection closes.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        draining.set(true);
        long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
        while (metrics.inFlight().get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = metrics.inFlight().get();
        if (left > 0) {
            log.atWarn().addKeyValue("in_flight", left).log("shutdown grace ran out; closing with requests in flight");
        }
        server.close();
        executor.shutdown();
        try {
            executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        index.close();
        closeQuietly(connection);
        log.atInfo().log("gateway stopped");
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
