package dev.orgctl.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
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
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook gateway: the only door into the system. It serves, on one port:
 * <ul>
 *   <li>{@code POST /webhooks/github}: verified, de-duplicated, durable ingestion (see
 *       {@link WebhookHandler} and {@link Ingestor});</li>
 *   <li>{@code GET /healthz}: the process is alive;</li>
 *   <li>{@code GET /readyz}: NATS connected and JetStream answering, plus whatever other parts
 *       register in {@link #readiness()};</li>
 *   <li>{@code GET /metrics}: the Prometheus registry given at start.</li>
 * </ul>
 * It owns its NATS connection, opened with no reconnect buffer so that a publish made while
 * disconnected fails at once instead of being sent later. {@link #close()} is the graceful stop:
 * refuse new requests (503, readyz 503), wait for the in-flight ones, stop HTTP, then close NATS.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);
    static final String NODELAY = "sun.net.httpserver.nodelay";
    /** Headroom of readiness: JetStream is asked at most once per second. */
    private static final long READY_CHECK_INTERVAL_MS = 1000;

    private final GatewaySettings settings;
    private final Connection connection;
    private final HttpServer server;
    private final ExecutorService executor;
    private final GatewayMetrics metrics;
    private final Readiness readiness = new Readiness();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private Gateway(GatewaySettings settings, Connection connection, HttpServer server, ExecutorService executor,
                    GatewayMetrics metrics) {
        this.settings = settings;
        this.connection = connection;
        this.server = server;
        this.executor = executor;
        this.metrics = metrics;
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
        settings.requireVerification();
        if (System.getProperty(NODELAY) == null) {
            // Without it the JDK server delays every keep-alive answer by about 40 ms (Nagle + delayed ack).
            System.setProperty(NODELAY, "true");
        }
        Connection connection = connector.connect("gateway", Duration.ofSeconds(5), b -> b.reconnectBufferSize(0));
        try {
            JetStreamOptions jso = JetStreamOptions.builder(connector.jetStreamOptions())
                    .requestTimeout(settings.natsTimeout()).build();
            JetStream js = connection.jetStream(jso);
            JetStreamManagement jsm = connection.jetStreamManagement(jso);
            KeyValue kv = connection.keyValue(Topology.DELIVERIES_BUCKET,
                    KeyValueOptions.builder().jetStreamOptions(jso).build());
            requireTopology(jsm);
            GatewayMetrics metrics = new GatewayMetrics(registry);
            String instance = ManagementFactory.getRuntimeMXBean().getName(); // pid@host
            Ingestor ingestor = new Ingestor(connection, new DeliveryLedger(kv, instance),
                    new EventPublisher(js, jsm, settings.natsTimeout()), metrics, settings.natsTimeout());

            long maxPayload = connection.getMaxPayload();
            if (maxPayload > 0 && maxPayload < settings.maxBodyBytes()) {
                log.atWarn().addKeyValue("nats_max_payload", maxPayload).addKeyValue("max_body", settings.maxBodyBytes())
                        .log("the NATS server's max_payload is below the gateway's body limit: larger deliveries "
                                + "will be refused with 413; raise max_payload (GitHub sends up to 25 MiB)");
            }
            AtomicInteger threadNo = new AtomicInteger();
            ThreadPoolExecutor executor = new ThreadPoolExecutor(settings.workerThreads(), settings.workerThreads(),
                    60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "gateway-http-" + threadNo.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            HttpServer server;
            try {
                server = HttpServer.create(new InetSocketAddress(settings.address().host(), settings.address().port()),
                        1024);
            } catch (IOException e) {
                executor.shutdownNow();
                throw new UncheckedIOException("cannot listen on " + settings.address() + ": " + e.getMessage(), e);
            }
            Gateway g = new Gateway(settings, connection, server, executor, metrics);
            g.readiness.add("http", () -> g.draining.get() ? Optional.of("shutting down") : Optional.empty());
            g.readiness.add("nats", () -> connection.getStatus() == Connection.Status.CONNECTED ? Optional.empty()
                    : Optional.of("connection " + connection.getStatus().name().toLowerCase(java.util.Locale.ROOT)));
            g.readiness.add("jetstream", Readiness.cached(READY_CHECK_INTERVAL_MS, () -> jetStreamProblem(connection, jsm)));
            WebhookHandler webhooks = new WebhookHandler(settings, ingestor, metrics, g.draining::get,
                    connection::getMaxPayload);
            server.createContext(WebhookHandler.PATH, webhooks);
            server.createContext("/healthz", g.get(ex -> WebhookHandler.send(ex, 200, Map.of("status", "ok"))));
            server.createContext("/readyz", g.get(g::serveReadiness));
            server.createContext("/metrics", g.get(ex -> serveMetrics(ex, registry)));
            server.createContext("/", webhooks); // anything else: a JSON 404 from the same code path
            server.setExecutor(executor);
            server.start();
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
        } catch (IOException e) {
            closeQuietly(connection);
            throw new NatsUnavailableException("JetStream is not available: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(connection);
            throw e;
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

    private static void requireTopology(JetStreamManagement jsm) {
        for (String stream : new String[] {Topology.EVENTS_STREAM, "KV_" + Topology.DELIVERIES_BUCKET}) {
            try {
                jsm.getStreamInfo(stream);
            } catch (JetStreamApiException e) {
                throw new NatsUnavailableException("the gateway needs " + stream + ", which JetStream does not have ("
                        + e.getMessage() + "); run 'orgctl topology apply'", e);
            } catch (IOException e) {
                throw new NatsUnavailableException("JetStream did not answer about " + stream + ": " + e.getMessage(), e);
            }
        }
    }

    private static Optional<String> jetStreamProblem(Connection connection, JetStreamManagement jsm) {
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            return Optional.of("not connected");
        }
        try {
            jsm.getStreamInfo(Topology.EVENTS_STREAM);
            jsm.getStreamInfo("KV_" + Topology.DELIVERIES_BUCKET);
            return Optional.empty();
        } catch (JetStreamApiException e) {
            return Optional.of("JetStream refused: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            return Optional.of("JetStream did not answer: " + e.getMessage());
        }
    }

    /** The address the gateway listens on (the real port when 0 was asked). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code http://host:port}, for logs and clients. */
    public URI url() {
        InetSocketAddress a = server.getAddress();
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

    private void serveReadiness(HttpExchange ex) throws IOException {
        Readiness.Report r = readiness.report();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", r.ready());
        body.put("checks", r.checks());
        WebhookHandler.send(ex, r.ready() ? 200 : 503, body);
    }

    private static void serveMetrics(HttpExchange ex, PrometheusMeterRegistry registry) throws IOException {
        byte[] text = registry.scrape().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        ex.sendResponseHeaders(200, text.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(text);
        }
    }

    /** An endpoint that answers GET (and HEAD) on its exact path. */
    private HttpHandler get(ExchangeAction action) {
        return ex -> {
            try {
                String path = ex.getHttpContext().getPath();
                if (!path.equals(ex.getRequestURI().getPath())) {
                    metrics.refused(Refusal.NOT_FOUND);
                    WebhookHandler.send(ex, 404, Map.of("error", "no such endpoint"));
                } else if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                    metrics.refused(Refusal.METHOD_NOT_ALLOWED);
                    ex.getResponseHeaders().set("Allow", "GET, HEAD");
                    WebhookHandler.send(ex, 405, Map.of("error", "method not allowed; use GET"));
                } else {
                    action.run(ex);
                }
            } finally {
                ex.close();
            }
        };
    }

    @FunctionalInterface
    private interface ExchangeAction {
        void run(HttpExchange ex) throws IOException;
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
        server.stop(0);
        executor.shutdown();
        try {
            executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
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
