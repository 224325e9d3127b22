package dev.orgctl.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.config.NatsSettings;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.topology.Topology;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.StreamInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The cluster fixture does what it says: R3 topology, a killed leader is replaced, stores survive, a cut node is cut. */
class NatsClusterTest {
    private static final Duration ELECTION = Duration.ofSeconds(30);

    @Test
    void topologyRunsAtR3AndAKilledLeaderIsReplacedWithoutLosingData() throws Exception {
        try (NatsCluster cluster = NatsCluster.start(3).withTopology(); Connection c = cluster.connect()) {
            StreamInfo info = c.jetStreamManagement().getStreamInfo(Topology.EVENTS_STREAM);
            assertThat(info.getConfiguration().getReplicas()).isEqualTo(3);
            KeyValue locks = c.keyValue(Topology.LOCKS_BUCKET);
            locks.put("before", "1".getBytes(StandardCharsets.UTF_8));

            int leader = cluster.leaderOf("KV_" + Topology.LOCKS_BUCKET, ELECTION);
            Path stale = cluster.snapshotStore(leader);
            cluster.kill(leader);
            assertThat(cluster.isRunning(leader)).isFalse();
            int next = cluster.leaderOf("KV_" + Topology.LOCKS_BUCKET, ELECTION);
            assertThat(next).isNotEqualTo(leader);
            assertThat(new String(c.keyValue(Topology.LOCKS_BUCKET).get("before").getValue(), StandardCharsets.UTF_8))
                    .isEqualTo("1");

            cluster.restartWithStore(leader, stale);
            cluster.awaitJetStream(ELECTION);
            assertThat(cluster.isRunning(leader)).isTrue();
        }
    }

    @Test
    void anIsolatedNodeHasNoJetStreamWhileTheMajorityKeepsIt() throws Exception {
        try (NatsCluster cluster = NatsCluster.start(3).withTopology()) {
            cluster.isolate(2);
            NatsConnector cutOff = new NatsConnector(NatsSettings.plain(cluster.node(2).url()));
            try (Connection c = cutOff.connect("test-cut", Duration.ofSeconds(5))) {
                assertThatThrownBy(() -> c.jetStreamManagement(cutOff.jetStreamOptions()).getStreamInfo(
                        Topology.EVENTS_STREAM)).isInstanceOfAny(JetStreamApiException.class, java.io.IOException.class);
            }
            NatsConnector majority = new NatsConnector(NatsSettings.plain(cluster.node(0).url()));
            try (Connection c = majority.connect("test-majority", Duration.ofSeconds(5))) {
                // The majority still answers, and stops counting the cut node as a current replica once its
                // heartbeats are missed (seconds; longer on a loaded machine): polled, not read once.
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> assertThat(c.jetStreamManagement(majority.jetStreamOptions())
                                .getStreamInfo(Topology.EVENTS_STREAM).getClusterInfo().getReplicas())
                                .noneMatch(r -> r.getName().equals(cluster.node(2).name())
                                        && r.isCurrent() && !r.isOffline()));
            }
            cluster.restart(2);
            cluster.awaitJetStream(ELECTION);
        }
    }
}
