package dev.orgctl.nats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerVersionTest {
    @Test
    void serversBeforeTheRecommendedReleaseGetTheReason() {
        assertThat(ServerVersion.advice("2.9.10")).hasValueSatisfying(a -> assertThat(a)
                .contains("nats-server 2.9.10 is older than 2.10.20").contains("unclean shutdown")
                .contains("docs/coordination.md"));
        assertThat(ServerVersion.advice("2.9.25")).isPresent();
        assertThat(ServerVersion.advice("2.10.19")).as("its KV compare-and-set regression").isPresent();
        assertThat(ServerVersion.advice("v2.10.7")).isPresent();
    }

    @Test
    void theRecommendedReleaseAndNewerOnesAndUnreadableVersionsGetNothing() {
        assertThat(ServerVersion.advice("2.10.20")).isEmpty();
        assertThat(ServerVersion.advice("2.10.29")).isEmpty();
        assertThat(ServerVersion.advice("2.11.0")).isEmpty();
        assertThat(ServerVersion.advice("3.0.0-beta.1")).isEmpty();
        assertThat(ServerVersion.advice("")).isEmpty();
        assertThat(ServerVersion.advice(null)).isEmpty();
    }
}
