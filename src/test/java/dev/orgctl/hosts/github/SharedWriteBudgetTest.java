package dev.orgctl.hosts.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.config.Secret;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.github.FakeLimits;
import dev.orgctl.testing.github.GitHubFake;
import io.nats.client.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three orgctl "replicas" (each its own NATS connection, client and budget) race writes for one
 * account. GitHub's ceiling, scaled down, is enforced by the fake, which logs every accepted
 * write's arrival: with the budget shared through ORGCTL_RATE no window ever holds one write too
 * many; with three private budgets (the control) the fake has to refuse.
 */
class SharedWriteBudgetTest {
    private static final List<ContentCeiling.Window> WINDOWS = List.of(
            new ContentCeiling.Window(Duration.ofSeconds(1), 5), new ContentCeiling.Window(Duration.ofSeconds(2), 8));
    private NatsServerFixture nats;
    private GitHubFake fake;
    private String token;

    @BeforeEach
    void start() {
        nats = NatsServerFixture.start().withTopology();
        fake = GitHubFake.start();
        fake.createOrg("acme").createRepo("web");
        token = fake.createToken("octo", "repo");
        fake.limits().contentCeiling(List.of(new FakeLimits.Window(Duration.ofSeconds(1), 5),
                new FakeLimits.Window(Duration.ofSeconds(2), 8)));
    }

    @AfterEach
    void stop() {
        nats.close();
        fake.close(); // last: it fails the test on a call GitHub would refuse
    }

    @Test
    void threeReplicasSharingTheBudgetNeverExceedTheCeiling() throws Exception {
        // The production margin (1 s) covers clock skew and the time from taking a token to the write
        // reaching GitHub, which on a loaded box can be hundreds of milliseconds.
        ContentCeiling ceiling = new ContentCeiling(WINDOWS, ContentCeiling.github().margin());
        List<Connection> connections = new ArrayList<>();
        List<WriteBudget> budgets = new ArrayList<>();
        List<Long> grants = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            Connection c = nats.connect();
            connections.add(c);
            NatsWriteBudget b = new NatsWriteBudget(c.keyValue(Topology.RATE_BUCKET), NatsWriteBudget.keyFor("acme"),
                    ceiling, Clock.systemUTC(), RateListener.NONE);
            budgets.add(() -> {
                grants.add(b.acquireAt());
                return Duration.ZERO;
            });
        }
        List<GitHubClient> clients = race(6, i -> budgets.get(i));
        try {
            // What the shared log granted, all replicas together: never more than a window allows.
            List<Long> sorted = new ArrayList<>(grants);
            java.util.Collections.sort(sorted);
            assertThat(sorted).hasSize(18);
            assertThat(maxIn(sorted, 1000)).isLessThanOrEqualTo(5);
            assertThat(maxIn(sorted, 2000)).isLessThanOrEqualTo(8);
            // And what GitHub (the fake) saw arrive, by its own clock: the same, no refusal.
            assertThat(fake.limits().writeTimes("user:octo")).hasSize(18);
            assertThat(fake.limits().ceilingRefusals()).isZero();
            assertThat(fake.limits().maxWritesIn("user:octo", Duration.ofSeconds(1))).isLessThanOrEqualTo(5);
            assertThat(fake.limits().maxWritesIn("user:octo", Duration.ofSeconds(2))).isLessThanOrEqualTo(8);
            assertThat(clients).allSatisfy(c -> assertThat(c.counters().secondaryRetries()).isZero());
        } finally {
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    @Test
    void controlThreePrivateBudgetsTogetherOverrunTheCeiling() throws Exception {
        ContentCeiling ceiling = new ContentCeiling(WINDOWS, Duration.ofMillis(100));
        List<LocalWriteBudget> budgets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            budgets.add(new LocalWriteBudget(ceiling, Clock.systemUTC(), RateListener.NONE));
        }
        race(4, i -> budgets.get(i));
        assertThat(fake.limits().ceilingRefusals()).isPositive();
    }

    private static int maxIn(List<Long> sorted, long windowMillis) {
        int best = 0;
        int lo = 0;
        for (int hi = 0; hi < sorted.size(); hi++) {
            while (sorted.get(hi) - sorted.get(lo) >= windowMillis) {
                lo++;
            }
            best = Math.max(best, hi - lo + 1);
        }
        return best;
    }

    /** Three threads, each with its own client and budget, each sending {@code writes} writes. */
    private List<GitHubClient> race(int writes, java.util.function.IntFunction<WriteBudget> budget) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<GitHubClient> clients = new ArrayList<>();
        List<Future<?>> futures = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            GitHubClient client = TestClients.client(fake, new TokenCredentials(Secret.of(token)), budget.apply(r));
            clients.add(client);
            int replica = r;
            futures.add(pool.submit((Callable<Void>) () -> {
                for (int i = 0; i < writes; i++) {
                    client.post("/repos/acme/web/git/blobs", Map.of("content", "replica " + replica + " write " + i,
                            "encoding", "utf-8"));
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        return clients;
    }
}
