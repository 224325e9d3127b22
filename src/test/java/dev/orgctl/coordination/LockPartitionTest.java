package dev.orgctl.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.OrgctlException;
import dev.orgctl.config.NatsSettings;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsCluster;
import dev.orgctl.testing.ShortLeases;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A minority partition: the server leading the lock bucket is cut off from the other two, with a
 * lock holder connected only to it. No split brain: the cut-off side takes no lock, the majority
 * hands the lock on (once the stale holder's lease ends) with a higher fencing token, the stale
 * holder's check before a write fails, and after healing both sides see one holder.
 */
class LockPartitionTest {
    private static final Duration LEASE = Duration.ofSeconds(4);

    @Test
    void theCutOffSideTakesNoLockAndTheMajorityHandsItOnWithAHigherToken() throws Exception {
        try (NatsCluster cluster = NatsCluster.start(3).withTopology()) {
            try (Connection c = cluster.connect()) {
                ShortLeases.apply(c, Duration.ofSeconds(30), LEASE);
            }
            int cut = cluster.leaderOf("KV_" + Topology.LOCKS_BUCKET, Duration.ofSeconds(30));
            List<String> majorityUrls = cluster.nodes().stream().filter(n -> n.index() != cut)
                    .map(NatsCluster.Node::url).toList();
            NatsConnector minority = new NatsConnector(NatsSettings.plain(cluster.node(cut).url()));
            NatsConnector majority = new NatsConnector(NatsSettings.plain(majorityUrls.get(0)).withUrls(majorityUrls));
            try (Connection ca = minority.connect("stale", Duration.ofSeconds(5));
                 Connection cb = majority.connect("majority", Duration.ofSeconds(5));
                 LockService a = LockService.open(ca, minority.keyValueOptions(), Topology.LOCKS_BUCKET,
                         LockService.Identity.current("stale holder"), null);
                 LockService b = LockService.open(cb, majority.keyValueOptions(), Topology.LOCKS_BUCKET,
                         LockService.Identity.current("majority holder"), null)) {
                Lease stale = a.tryAcquire("acme/api", "test").orElseThrow();

                cluster.isolate(cut);

                // The cut-off side cannot take a lock: its server has no quorum for the bucket.
                assertThatThrownBy(() -> a.tryAcquire("acme/web", "test")).isInstanceOf(OrgctlException.class);
                // The majority elects a new leader for the bucket (writes answer "no responders" meanwhile)
                // and hands the lock on once the stale lease has run out, with a higher fencing token.
                assertThat(cluster.leaderOf("KV_" + Topology.LOCKS_BUCKET, Duration.ofSeconds(30))).isNotEqualTo(cut);
                Lease next = b.acquire("acme/api", "test", Duration.ofSeconds(60)).orElseThrow();
                assertThat(next.token()).isGreaterThan(stale.token());
                // The stale holder, renewing in vain, must not write: its check says so.
                assertThatThrownBy(stale::checkStillHeld).isInstanceOf(LeaseLostException.class);

                cluster.restart(cut);
                cluster.awaitJetStream(Duration.ofSeconds(60));
                // Healed: one holder, the majority's, seen from both sides.
                assertThat(a.inspect("acme/api").orElseThrow().holder().getLeaseId())
                        .isEqualTo(next.holder().getLeaseId());
                assertThat(b.inspect("acme/web")).isEmpty();
                next.release();
            }
        }
    }
}
