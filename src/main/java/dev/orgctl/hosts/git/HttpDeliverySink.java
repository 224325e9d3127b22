package dev.orgctl.hosts.git;

import dev.orgctl.config.Secret;
import dev.orgctl.nats.Backoff;
import dev.orgctl.webhook.Signatures;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs deliveries to the gateway ({@code POST /webhooks/github}) as GitHub does: JSON body,
 * {@code X-GitHub-Event}, {@code X-GitHub-Delivery}, {@code X-Hub-Signature-256} signed with the
 * first webhook secret. Connection errors, timeouts, 408, 429 and 5xx are retried with exponential
 * backoff; any other answer but 2xx fails at once (a misconfiguration a person must fix, such as a
 * wrong secret); in both cases the caller keeps the delivery and sends it again later.
 */
public final class HttpDeliverySink implements DeliverySink {
    private static final Logger log = LoggerFactory.getLogger(HttpDeliverySink.class);

    private final URI url;
    private final Secret secret;
    private final HttpClient client;
    private final Retry retry;

    /** How hard to try one delivery before giving it back to the caller. */
    public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration requestTimeout) {
        public static final Retry DEFAULT = new Retry(6, Duration.ofMillis(200), Duration.ofSeconds(5),
                Duration.ofSeconds(10));

        public Retry {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1");
            }
            Backoff.exact(initialBackoff, maxBackoff); // refuses a maximum below the initial wait at once
        }

        /**
         * The wait after the n-th failed attempt: {@code initialBackoff} doubling up to {@code maxBackoff},
         * without jitter (each repository's sink retries on its own; nothing makes them collide).
         */
        public Backoff backoff() {
            return Backoff.exact(initialBackoff, maxBackoff);
        }
    }

    public HttpDeliverySink(URI url, Secret secret) {
        this(url, secret, Retry.DEFAULT);
    }

    public HttpDeliverySink(URI url, Secret secret, Retry retry) {
        this.url = Objects.requireNonNull(url, "url");
        this.secret = Objects.requireNonNull(secret, "secret");
        this.retry = Objects.requireNonNull(retry, "retry");
        this.client = HttpClient.newBuilder().connectTimeout(retry.requestTimeout()).build();
    }

    /** The gateway's webhook endpoint for an {@code host:port} address. */
    public static URI gatewayUrl(String hostPort) {
        return URI.create("http://" + hostPort + "/webhooks/github");
    }

    @Override
    public void deliver(OutgoingDelivery d) throws DeliveryException {
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(retry.requestTimeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "orgctl-git-backend")
                .header("X-GitHub-Event", d.event())
                .header("X-GitHub-Delivery", d.guid())
                .header("X-GitHub-Hook-Installation-Target-Type", "organization")
                .header(Signatures.HEADER_256, Signatures.sign(secret, d.body()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(d.body()))
                .build();
        Backoff backoff = retry.backoff();
        String last = "";
        for (int attempt = 1; attempt <= retry.maxAttempts(); attempt++) {
            try {
                HttpResponse<String> resp = client.send(request, HttpResponse.BodyHandlers.ofString());
                int status = resp.statusCode();
                if (status >= 200 && status < 300) {
                    log.atDebug().addKeyValue("delivery", d.guid()).addKeyValue("event", d.event())
                            .addKeyValue("repo", d.repository()).addKeyValue("status", status).log("delivered");
                    return;
                }
                last = "HTTP " + status + " " + abbreviate(resp.body());
                if (status != 408 && status != 429 && status < 500) {
                    throw new DeliveryException("gateway refused delivery " + d.guid() + " (" + d.event() + " "
                            + d.repository() + "): " + last);
                }
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeliveryException("interrupted while delivering " + d.guid(), e);
            }
            if (attempt < retry.maxAttempts()) {
                Duration wait = backoff.delay(attempt);
                log.atWarn().addKeyValue("delivery", d.guid()).addKeyValue("attempt", attempt)
                        .addKeyValue("error", last).addKeyValue("retry_in_ms", wait.toMillis()).log("delivery failed; retrying");
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DeliveryException("interrupted while delivering " + d.guid(), e);
                }
            }
        }
        throw new DeliveryException("delivery " + d.guid() + " (" + d.event() + " " + d.repository() + ") to " + url
                + " failed after " + retry.maxAttempts() + " attempts: " + last);
    }

    private static String abbreviate(String s) {
        String t = s == null ? "" : s.strip().replaceAll("\\s+", " ");
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }
}
