package dev.orgctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsCluster;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.OrgctlProcess.Result;
import io.nats.client.Connection;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replica count against the servers really there: picked from a cluster, warned about when it does not fit. */
class TopologyReplicasTest {
    @TempDir
    Path dir;

    @Test
    void onAThreeNodeClusterTheReplicaCountIsThreeUnlessSetAndR1OrR5IsWarnedAbout() throws Exception {
        try (NatsCluster cluster = NatsCluster.start(3)) {
            Map<String, String> env = Map.of("NATS_URL", String.join(",", cluster.urls()));

            Result apply = OrgctlProcess.run(dir, env, "topology", "apply");
            assertThat(apply.exitCode()).as(apply.err()).isZero();
            assertThat(apply.err()).doesNotContain("warning:");
            try (Connection c = cluster.connect()) {
                assertThat(c.jetStreamManagement().getStreamInfo(Topology.EVENTS_STREAM).getConfiguration()
                        .getReplicas()).isEqualTo(3);
                assertThat(c.jetStreamManagement().getStreamInfo("KV_" + Topology.LOCKS_BUCKET).getConfiguration()
                        .getReplicas()).isEqualTo(3);
            }
            Result same = OrgctlProcess.run(dir, env, "topology", "plan");
            assertThat(same.exitCode()).as(same.out()).isZero();

            Result r1 = OrgctlProcess.run(dir, env, "topology", "plan", "--nats-replicas", "1");
            assertThat(r1.err()).contains("warning: R1 streams and buckets on the cluster '" + NatsCluster.CLUSTER_NAME
                    + "' of 3 servers");
            assertThat(r1.out()).contains("replicas: 3 -> 1");

            Result r5 = OrgctlProcess.run(dir, env, "topology", "plan", "--nats-replicas", "5");
            assertThat(r5.err()).contains("warning: ORGCTL_NATS_REPLICAS=5 exceeds the 3 server(s) of the cluster '"
                    + NatsCluster.CLUSTER_NAME + "'").contains("--nats-replicas 3");
        }
    }

    @Test
    void onASingleServerR3IsWarnedAboutAndTheDefaultStaysOne() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start()) {
            Map<String, String> env = Map.of("NATS_URL", nats.url());
            Result plain = OrgctlProcess.run(dir, env, "topology", "plan");
            assertThat(plain.err()).doesNotContain("warning:");
            Result r3 = OrgctlProcess.run(dir, env, "topology", "plan", "--nats-replicas", "3");
            assertThat(r3.err()).contains("warning: ORGCTL_NATS_REPLICAS=3 exceeds the 1 server(s) of a single server "
                    + "(not clustered)").contains("--nats-replicas 1");
        }
    }
}
