package dev.orgctl.gateway;

import static dev.orgctl.gateway.GatewayHarness.SECRET;
import static dev.orgctl.gateway.GatewayHarness.eventCount;
import static dev.orgctl.gateway.GatewayHarness.newDelivery;
import static dev.orgctl.gateway.GatewayHarness.post;
import static dev.orgctl.gateway.GatewayHarness.repoPayload;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.testing.NatsServerFixture;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nats.client.Connection;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * A failure while answering a stored delivery (a bug after the publish) is answered 500 and the
 * request ends, instead of vanishing into the publish's future and leaving the request open and
 * counted in flight, which a graceful stop would then wait on until its grace runs out.
 */
class GatewayAnswerFailureTest {

    @Test
    void aThrowAfterThePublishIsA500AndTheRequestEnds() throws Exception {
        PrometheusMeterRegistry registry = Gateway.newRegistry();
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                if (id.getName().equals("orgctl.gateway.deliveries")) {
                    throw new IllegalStateException("a bug while counting the delivery");
                }
                return id;
            }
        });
        try (NatsServerFixture nats = NatsServerFixture.start().withTopology();
             Gateway g = GatewayHarness.start(nats, GatewayHarness.settings(SECRET), registry);
             Connection c = nats.connect()) {
            HttpResponse<String> r = post(g, "push", newDelivery(), repoPayload("acme", "web"));

            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).contains("internal error");
            // The count drops once the answer has been written, a moment after the client has read it.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> g.inFlight() == 0);
            assertThat(eventCount(c)).as("stored before the failure: a redelivery is a duplicate").isEqualTo(1);
        }
    }
}
