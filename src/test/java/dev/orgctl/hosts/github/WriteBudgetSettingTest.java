package dev.orgctl.hosts.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.GitHubSettings;
import dev.orgctl.config.Secret;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.github.GitHubFake;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ORGCTL_GITHUB_WRITE_BUDGET as orgctl's replicas use it (the budget shared through ORGCTL_RATE),
 * against the fake with no ceiling of its own, as a GitHub Enterprise Server by default.
 */
class WriteBudgetSettingTest {
    private NatsServerFixture nats;
    private Connection conn;
    private GitHubFake fake;
    private String token;
    private final List<Instant> pauses = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        nats = NatsServerFixture.start().withTopology();
        conn = nats.connect();
        fake = GitHubFake.start();
        fake.createOrg("acme").createRepo("web");
        token = fake.createToken("octo", "repo");
    }

    @AfterEach
    void stop() throws InterruptedException {
        conn.close();
        nats.close();
        fake.close(); // last: it fails the test on a call GitHub would refuse
    }

    private GitHubSettings settings(String budget) {
        Map<String, String> env = new HashMap<>(fake.environment("acme", token));
        env.put("ORGCTL_GITHUB_WRITE_BUDGET", budget);
        return ConfigResolver.resolve(Map.of(), env, Optional.empty()).github();
    }

    private GitHubClient client(GitHubSettings s) throws Exception {
        WriteBudget budget = GitHubClients.sharedBudget(rateBucket(), s, (reason, until) -> pauses.add(until));
        return TestClients.client(fake, new TokenCredentials(Secret.of(token)), budget);
    }

    private KeyValue rateBucket() throws Exception {
        return conn.keyValue(Topology.RATE_BUCKET);
    }

    private static void write(GitHubClient client, int i) {
        client.post("/repos/acme/web/git/blobs", Map.of("content", "write " + i, "encoding", "utf-8"));
    }

    @Test
    void offLetsMoreThanGitHubComsCeilingThroughWithoutWaitingOrBookkeeping() throws Exception {
        try (GitHubClient client = client(settings("off"))) {
            for (int i = 0; i < 100; i++) {
                write(client, i);
            }
            assertThat(client.counters().rateLimitPauses()).isZero();
        }
        assertThat(fake.limits().writeTimes("user:octo")).hasSize(100);
        assertThat(pauses).isEmpty();
        assertThat(rateBucket().keys()).as("nothing written to ORGCTL_RATE").isEmpty();

        // The control: the default budget keeps the shared log in ORGCTL_RATE from the first write.
        try (GitHubClient client = client(settings("80/min,500/h"))) {
            write(client, 100);
        }
        assertThat(NatsWriteBudget.decode(rateBucket().get(NatsWriteBudget.keyFor("acme")).getValue())).hasSize(1);
    }

    @Test
    void aCustomBudgetMakesTheSixthWriteOfAMinuteWait() throws Exception {
        try (GitHubClient client = client(settings("5/min"))) {
            for (int i = 0; i < 5; i++) {
                write(client, i);
            }
            assertThat(pauses).isEmpty();
            long firstWrite = fake.limits().writeTimes("user:octo").get(0);

            Thread sixth = new Thread(() -> write(client, 6), "sixth-write");
            sixth.start();
            // It waits for the first write to leave the minute (plus orgctl's one-second margin)...
            await().atMost(Duration.ofSeconds(5)).until(() -> !pauses.isEmpty());
            assertThat(pauses.get(0).toEpochMilli()).isBetween(firstWrite + 60_000, firstWrite + 62_000);
            // ...and has not been sent meanwhile.
            sixth.join(1000);
            assertThat(sixth.isAlive()).isTrue();
            assertThat(fake.limits().writeTimes("user:octo")).hasSize(5);
            sixth.interrupt();
            sixth.join(5000);
            assertThat(sixth.isAlive()).isFalse();
        }
        assertThat(fake.limits().writeTimes("user:octo")).hasSize(5);
        assertThat(NatsWriteBudget.decode(rateBucket().get(NatsWriteBudget.keyFor("acme")).getValue())).hasSize(5);
    }
}
