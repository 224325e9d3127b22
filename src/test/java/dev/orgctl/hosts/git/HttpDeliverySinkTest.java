package dev.orgctl.hosts.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.config.Secret;
import dev.orgctl.config.WebhookSecrets;
import dev.orgctl.webhook.Signatures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HttpDeliverySinkTest {
    private static final HttpDeliverySink.Retry FAST = new HttpDeliverySink.Retry(4, Duration.ofMillis(10),
            Duration.ofMillis(40), Duration.ofSeconds(5));
    private final OutgoingDelivery delivery = new OutgoingDelivery("push", "guid-1",
            "{\"ref\":\"x\"}".getBytes(StandardCharsets.UTF_8),
            "acme/api");

    @Test
    void sendsGitHubHeadersAndSignature() throws Exception {
        try (TestGateway gw = new TestGateway()) {
            new HttpDeliverySink(gw.url(), Secret.of("s3cret"), FAST).deliver(delivery);
            assertThat(gw.requests).hasSize(1);
            TestGateway.Request r = gw.requests.get(0);
            assertThat(r.header("X-GitHub-Event")).isEqualTo("push");
            assertThat(r.header("X-GitHub-Delivery")).isEqualTo("guid-1");
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            assertThat(r.body()).isEqualTo(delivery.body());
            assertThat(new Signatures(new WebhookSecrets(List.of(Secret.of("s3cret"))))
                    .verify(r.body(), r.header("X-Hub-Signature-256"), null)).isEqualTo(Signatures.Verdict.VALID);
        }
    }

    @Test
    void retriesServerErrorsUntilAcknowledged() throws Exception {
        try (TestGateway gw = new TestGateway()) {
            AtomicInteger n = new AtomicInteger();
            gw.status = () -> n.incrementAndGet() < 3 ? 503 : 200;
            new HttpDeliverySink(gw.url(), Secret.of("s"), FAST).deliver(delivery);
            assertThat(gw.calls.get()).isEqualTo(3);
            assertThat(gw.requests).hasSize(1);
        }
    }

    @Test
    void givesUpAfterTheAttemptsAndAtOnceOnAClientError() throws Exception {
        try (TestGateway gw = new TestGateway()) {
            gw.status = () -> 500;
            assertThatThrownBy(() -> new HttpDeliverySink(gw.url(), Secret.of("s"), FAST).deliver(delivery))
                    .isInstanceOf(DeliveryException.class).hasMessageContaining("4 attempts");
            assertThat(gw.calls.get()).isEqualTo(4);
            gw.calls.set(0);
            gw.status = () -> 401;
            assertThatThrownBy(() -> new HttpDeliverySink(gw.url(), Secret.of("s"), FAST).deliver(delivery))
                    .isInstanceOf(DeliveryException.class).hasMessageContaining("HTTP 401");
            assertThat(gw.calls.get()).isEqualTo(1);
        }
    }

    @Test
    void retriesWhenNothingListens() {
        HttpDeliverySink sink = new HttpDeliverySink(java.net.URI.create("http://127.0.0.1:1/webhooks/github"),
                Secret.of("s"), FAST);
        assertThatThrownBy(() -> sink.deliver(delivery)).isInstanceOf(DeliveryException.class)
                .hasMessageContaining("failed after 4 attempts");
    }
}
