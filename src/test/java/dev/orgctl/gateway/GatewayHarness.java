package dev.orgctl.gateway;

import dev.orgctl.config.HostPort;
import dev.orgctl.config.Secret;
import dev.orgctl.config.WebhookSecrets;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.webhook.Signatures;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Test helpers: a gateway on a real nats-server, signed requests, and what the stream holds. */
final class GatewayHarness {
    static final String SECRET = "s3cr3t-for-tests";
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private GatewayHarness() {
    }

    static WebhookSecrets secrets(String... values) {
        return new WebhookSecrets(Arrays.stream(values).map(Secret::of).toList());
    }

    static GatewaySettings settings(String... secrets) {
        return GatewaySettings.defaults(new HostPort("127.0.0.1", 0), secrets(secrets))
                .withShutdownGrace(Duration.ofSeconds(5));
    }

    static Gateway start(NatsServerFixture nats, GatewaySettings settings) {
        return Gateway.start(settings, new NatsConnector(nats.settings()), Gateway.newRegistry());
    }

    static Gateway start(NatsServerFixture nats, GatewaySettings settings, PrometheusMeterRegistry registry) {
        return Gateway.start(settings, new NatsConnector(nats.settings()), registry);
    }

    /** A gateway on its own nats-server with the topology, and a connection to read the stream back. */
    record Running(NatsServerFixture nats, Gateway gateway, Connection reader) implements AutoCloseable {
        static Running start(String... secrets) {
            NatsServerFixture nats = NatsServerFixture.start().withTopology();
            return new Running(nats, GatewayHarness.start(nats, settings(secrets)), nats.connect());
        }

        @Override
        public void close() throws InterruptedException {
            reader.close();
            gateway.close();
            nats.close();
        }
    }

    static String newDelivery() {
        return UUID.randomUUID().toString();
    }

    /** A minimal repository event of {@code org/repo}. */
    static String repoPayload(String org, String repo) {
        return "{\"action\":\"opened\",\"repository\":{\"name\":\"" + repo + "\",\"full_name\":\"" + org + "/" + repo
                + "\",\"owner\":{\"login\":\"" + org + "\"}},\"organization\":{\"login\":\"" + org
                + "\"},\"sender\":{\"login\":\"octocat\"}}";
    }

    /** A signed JSON delivery. */
    static HttpRequest.Builder signed(Gateway g, String event, String delivery, String body, String secret) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return HttpRequest.newBuilder(URI.create(g.url() + "/webhooks/github"))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .header("X-GitHub-Event", event)
                .header("X-GitHub-Delivery", delivery)
                .header("X-GitHub-Hook-ID", "4242")
                .header("X-Hub-Signature-256", Signatures.sign(Secret.of(secret), bytes))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
    }

    static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> post(Gateway g, String event, String delivery, String body) {
        return send(signed(g, event, delivery, body, SECRET));
    }

    static HttpResponse<String> get(Gateway g, String path) {
        return send(HttpRequest.newBuilder(URI.create(g.url() + path)).timeout(Duration.ofSeconds(10)).GET());
    }

    /** One stored message, as a test reads it back. */
    @SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
    record Stored(long seq, String subject, Map<String, String> headers, byte[] data) {
        String msgId() {
            return headers.get("Nats-Msg-Id");
        }

        String body() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** Every message in GITHUB_EVENTS, in order. */
    static List<Stored> events(Connection c) {
        try {
            JetStreamManagement jsm = c.jetStreamManagement();
            StreamInfo info = jsm.getStreamInfo(Topology.EVENTS_STREAM);
            long count = info.getStreamState().getMsgCount();
            List<Stored> out = new ArrayList<>();
            if (count == 0) {
                return out;
            }
            JetStream js = c.jetStream();
            JetStreamSubscription sub = js.subscribe("github.>", PushSubscribeOptions.builder()
                    .stream(Topology.EVENTS_STREAM).ordered(true)
                    .configuration(ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.All).build()).build());
            try {
                while (out.size() < count) {
                    Message m = sub.nextMessage(Duration.ofSeconds(10));
                    if (m == null) {
                        throw new AssertionError("stream says " + count + " messages, read only " + out.size());
                    }
                    Map<String, String> h = new HashMap<>();
                    if (m.getHeaders() != null) {
                        for (String k : m.getHeaders().keySet()) {
                            h.put(k, m.getHeaders().getFirst(k));
                        }
                    }
                    out.add(new Stored(m.metaData().streamSequence(), m.getSubject(), h, m.getData()));
                }
            } finally {
                sub.unsubscribe();
            }
            return out;
        } catch (IOException | JetStreamApiException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static long eventCount(Connection c) {
        try {
            return c.jetStreamManagement().getStreamInfo(Topology.EVENTS_STREAM).getStreamState().getMsgCount();
        } catch (IOException | JetStreamApiException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Shortens GITHUB_EVENTS's duplicate window, so a test can step outside it in a second. */
    static void shortenDuplicateWindow(Connection c, Duration window) {
        try {
            JetStreamManagement jsm = c.jetStreamManagement();
            StreamConfiguration sc = jsm.getStreamInfo(Topology.EVENTS_STREAM).getConfiguration();
            jsm.updateStream(StreamConfiguration.builder(sc).duplicateWindow(window).build());
        } catch (IOException | JetStreamApiException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The value of one sample line of the Prometheus text, or 0 when absent. */
    static double metric(Gateway g, String nameWithLabels) {
        String text = get(g, "/metrics").body();
        for (String line : text.split("\n")) {
            if (line.startsWith(nameWithLabels + " ")) {
                return Double.parseDouble(line.substring(nameWithLabels.length() + 1).trim());
            }
        }
        return 0;
    }
}
