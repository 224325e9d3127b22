package dev.orgctl.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.orgctl.config.WebhookSecrets;
import dev.orgctl.nats.SubjectCodec;
import dev.orgctl.webhook.Signatures;
import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;

/**
 * A stand-in for the gateway in tests of this package (the real one lives on its own branch): it
 * verifies {@code X-Hub-Signature-256} and publishes each delivery to {@code GITHUB_EVENTS} by the
 * contract of the product brief (subject {@code github.<org>.<repo>.<event>}, {@code Nats-Msg-Id}
 * = delivery GUID, the GitHub headers), answering 202 only after the store acknowledged. A test
 * can make it fail ({@link #failWith}) to produce failed deliveries.
 */
public final class EventsReceiver implements AutoCloseable {
    private final HttpServer server;
    private final List<String> stored = new CopyOnWriteArrayList<>();
    private final List<String> duplicates = new CopyOnWriteArrayList<>();
    private volatile IntSupplier failure = () -> 0;

    public EventsReceiver(JetStream js, WebhookSecrets secrets) {
        Signatures signatures = new Signatures(secrets);
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/webhooks/github", ex -> {
            try (ex) {
                byte[] body;
                try (InputStream in = ex.getRequestBody()) {
                    body = in.readAllBytes();
                }
                int fail = failure.getAsInt();
                if (fail != 0) {
                    ex.sendResponseHeaders(fail, -1);
                    return;
                }
                if (signatures.verify(body, ex.getRequestHeaders().getFirst(Signatures.HEADER_256), null)
                        != Signatures.Verdict.VALID) {
                    ex.sendResponseHeaders(401, -1);
                    return;
                }
                String event = ex.getRequestHeaders().getFirst("X-GitHub-Event");
                String delivery = ex.getRequestHeaders().getFirst("X-GitHub-Delivery");
                JsonNode json = GitHubFake.JSON.readTree(body);
                String org = json.path("organization").path("login").asText(
                        json.path("repository").path("owner").path("login").asText());
                Optional<String> repo = json.path("repository").path("name").isTextual()
                        ? Optional.of(json.path("repository").path("name").asText()) : Optional.empty();
                Headers h = new Headers();
                h.put("Nats-Msg-Id", delivery);
                h.put("X-GitHub-Event", event);
                h.put("X-GitHub-Delivery", delivery);
                String hook = ex.getRequestHeaders().getFirst("X-GitHub-Hook-ID");
                if (hook != null) {
                    h.put("X-GitHub-Hook-ID", hook);
                }
                PublishAck ack = js.publish(NatsMessage.builder()
                        .subject(SubjectCodec.subject(org, repo, event)).headers(h).data(body).build());
                (ack.isDuplicate() ? duplicates : stored).add(delivery);
                ex.sendResponseHeaders(202, -1);
            } catch (Exception e) {
                ex.sendResponseHeaders(500, -1);
            }
        });
        server.start();
    }

    /** The URL GitHub (the fake) posts to. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/webhooks/github";
    }

    /** Answer every delivery with {@code status} (e.g. 503) while the supplier says so; 0 = work normally. */
    public void failWith(IntSupplier status) {
        this.failure = status;
    }

    /** Delivery GUIDs stored in the stream (first time each). */
    public List<String> stored() {
        return List.copyOf(stored);
    }

    /** Delivery GUIDs the stream refused as duplicates. */
    public List<String> duplicates() {
        return List.copyOf(duplicates);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
