package dev.orgctl.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import org.junit.jupiter.api.Test;

class FixtureSmokeTest {
    @Test
    void startsConnectsAndCreatesTopology() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start().withTopology(); Connection c = nats.connect()) {
            assertThat(c.jetStreamManagement().getStreamNames()).contains("GITHUB_EVENTS", "ORGCTL_JOBS");
        }
    }
}
