package dev.orgctl.gateway;

import static dev.orgctl.gateway.GatewayHarness.SECRET;
import static dev.orgctl.gateway.GatewayHarness.events;
import static dev.orgctl.gateway.GatewayHarness.newDelivery;
import static dev.orgctl.gateway.GatewayHarness.post;
import static dev.orgctl.gateway.GatewayHarness.repoPayload;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsCluster;
import io.nats.client.Connection;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Signed deliveries at a steady 40/s against a gateway on a 3-node R3 cluster while the leader of
 * GITHUB_EVENTS is SIGKILLed and later restarted. Slow (about a minute): tagged {@code cluster},
 * run by {@code ./test -Dtest.excludedGroups=none -Dgroups=cluster} (docs/reliability.md).
 */
@Tag("cluster")
class GatewayClusterFailoverTest {
    private static final int RATE = 40;
    private static final Duration NATS_TIMEOUT = Duration.ofSeconds(2);

    /** One delivery sent: when (ms since the start), its id and the answer ("io" when none came). */
    record Sent(long atMillis, String id, String status, boolean retryAfter) {
    }

    @Test
    void everyAcceptedDeliveryIsStoredOnceAnd503sHappenOnlyDuringTheElection() throws Exception {
        try (NatsCluster cluster = NatsCluster.start(3).withTopology();
             Gateway g = Gateway.start(GatewayHarness.settings(SECRET).withNatsTimeout(NATS_TIMEOUT),
                     new NatsConnector(cluster.settings()), Gateway.newRegistry())) {
            ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
            ExecutorService senders = Executors.newFixedThreadPool(32);
            long start = System.nanoTime();
            long period = 1_000_000_000L / RATE;
            int leader = -1;
            long killedAt = -1;
            long restartedAt = -1;
            Sent firstAcceptedAfterKill = null;
            // A fixed schedule: delivery k leaves at start + k/RATE seconds, whatever the answers do.
            for (int k = 0; ; k++) {
                long due = start + k * period;
                long now = System.nanoTime();
                if (due > now) {
                    TimeUnit.NANOSECONDS.sleep(due - now);
                }
                long at = (System.nanoTime() - start) / 1_000_000;
                senders.execute(() -> {
                    String id = newDelivery();
                    try {
                        var r = post(g, "push", id, repoPayload("acme", "cluster"));
                        sent.add(new Sent(at, id, Integer.toString(r.statusCode()),
                                r.headers().firstValue("Retry-After").isPresent()));
                    } catch (UncheckedIOException e) {
                        sent.add(new Sent(at, id, "io", false));
                    }
                });
                if (killedAt < 0 && at >= 5_000) {
                    leader = cluster.leaderOf(Topology.EVENTS_STREAM, Duration.ofSeconds(10));
                    cluster.kill(leader);
                    killedAt = (System.nanoTime() - start) / 1_000_000;
                }
                if (killedAt >= 0 && firstAcceptedAfterKill == null) {
                    long k0 = killedAt;
                    firstAcceptedAfterKill = sent.stream().filter(s -> s.atMillis() > k0 + NATS_TIMEOUT.toMillis())
                            .filter(s -> s.status().startsWith("2")).findFirst().orElse(null);
                }
                if (firstAcceptedAfterKill != null && restartedAt < 0 && at >= firstAcceptedAfterKill.atMillis() + 5_000) {
                    cluster.restart(leader);
                    restartedAt = (System.nanoTime() - start) / 1_000_000;
                }
                if (restartedAt >= 0 && at >= restartedAt + 10_000 || at > 90_000) {
                    break;
                }
            }
            senders.shutdown();
            assertThat(senders.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            assertThat(restartedAt).as("the gateway never recovered after the kill").isPositive();

            List<Sent> all = List.copyOf(sent);
            long k0 = killedAt;
            List<Sent> refused = all.stream().filter(s -> !s.status().startsWith("2")).toList();
            List<Sent> accepted = all.stream().filter(s -> s.status().startsWith("2")).toList();
            long firstRefused = refused.stream().mapToLong(Sent::atMillis).min().orElse(-1);
            long lastRefused = refused.stream().mapToLong(Sent::atMillis).max().orElse(-1);
            long recovered = all.stream().filter(s -> s.atMillis() > lastRefused && s.status().startsWith("2"))
                    .mapToLong(Sent::atMillis).min().orElse(-1);
            String figures = String.format("sent %d, 2xx %d, 503 %d, killed at %d ms, 503s sent from %d to %d ms, "
                    + "first 2xx after them at %d ms (recovery %d ms after the kill), restarted at %d ms, load %.2f",
                    all.size(), accepted.size(), refused.size(), killedAt, firstRefused, lastRefused, recovered,
                    recovered - killedAt, restartedAt, java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                            .getSystemLoadAverage());
            System.out.println("cluster failover figures: " + figures);

            // Only 2xx and 503 (with Retry-After): no error, no dropped connection.
            assertThat(all).as(figures).allMatch(s -> s.status().equals("202")
                    || s.status().equals("503") && s.retryAfter());
            // 503s only during the election: none sent before the kill (but one in flight at it), none after
            // the gateway accepted again, none while the old leader restarts and rejoins.
            assertThat(refused).as(figures).isNotEmpty();
            long r0 = restartedAt;
            assertThat(refused).as(figures).allMatch(s -> s.atMillis() >= k0 - NATS_TIMEOUT.toMillis()
                    && s.atMillis() < recovered);
            // Throughput recovers: every delivery sent after the restart was accepted, at the full rate.
            long afterRestart = all.stream().filter(s -> s.atMillis() >= r0).count();
            assertThat(afterRestart).as(figures).isGreaterThanOrEqualTo((long) (RATE * 10 * 0.9));
            // Every accepted delivery stored exactly once; nothing stored that was not sent.
            Map<String, Long> stored;
            try (Connection c = cluster.connect()) {
                stored = events(c).stream()
                        .collect(Collectors.groupingBy(GatewayHarness.Stored::msgId, Collectors.counting()));
            }
            assertThat(accepted).as(figures).allSatisfy(s -> assertThat(stored.get(s.id())).as(s.id()).isEqualTo(1L));
            assertThat(stored.values()).allMatch(n -> n == 1);
            assertThat(stored.keySet()).isSubsetOf(all.stream().map(Sent::id).toList());
        }
    }
}
