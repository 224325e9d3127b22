package dev.orgctl.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Every event source of {@code orgctl up} (the follower of GITHUB_EVENTS, the periodic reconcile,
 * the git ref watcher) is a {@code /readyz} check under its name, and says so when it stops.
 */
class EventSourcesReadinessTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void eachSourceIsACheckOfReadyzAndAStoppedOneMakesItUnready() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (OrgFixture f = OrgFixture.start(1, CircuitBreaker.Settings.defaults())) {
            HttpRequest readyz = HttpRequest.newBuilder(f.started.gateway().url().resolve("/readyz"))
                    .timeout(Duration.ofSeconds(30)).build();
            await().atMost(Duration.ofSeconds(60)).until(
                    () -> http.send(readyz, HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            HttpResponse<String> ready = http.send(readyz, HttpResponse.BodyHandlers.ofString());
            JsonNode checks = JSON.readTree(ready.body()).get("checks");
            assertThat(checks.path("controller").asText()).isEqualTo("ok");
            assertThat(checks.path("controller-events").asText()).isEqualTo("ok");
            assertThat(checks.path("controller-reconcile").asText()).isEqualTo("ok");
            assertThat(checks.path("controller-rollouts").asText()).isEqualTo("ok");
            assertThat(checks.path("git-ref-watcher").asText()).isEqualTo("ok");

            f.controller().close();
            HttpResponse<String> stopped = http.send(readyz, HttpResponse.BodyHandlers.ofString());
            assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(503);
            JsonNode after = JSON.readTree(stopped.body()).get("checks");
            assertThat(after.path("controller-events").asText()).isEqualTo("controller-events stopped");
            assertThat(after.path("controller-reconcile").asText()).isEqualTo("stopped");
            assertThat(after.path("controller-rollouts").asText()).isEqualTo("stopped");
            assertThat(after.path("git-ref-watcher").asText()).as("the watcher still runs").isEqualTo("ok");
        }
    }
}
