package dev.orgctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsCluster;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.OrgctlProcess.Result;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.awaitility.Awaitility;
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

    /**
     * An org that started on R1 (one server, or a cluster before its replica count was set) moves to
     * R3: plan shows the change per resource, apply updates every stream and bucket in place, and
     * what they held is kept, on three servers: it is still read after the leader is SIGKILLed. Then
     * back to R1, in place, still holding the same.
     */
    @Test
    void anR1TopologyOnAClusterIsRaisedToR3AndLoweredAgainInPlaceKeepingWhatItHolds() throws Exception {
        try (NatsCluster cluster = NatsCluster.start(3)) {
            Map<String, String> env = Map.of("NATS_URL", String.join(",", cluster.urls()));
            Result r1 = OrgctlProcess.run(dir, env, "topology", "apply", "--nats-replicas", "1");
            assertThat(r1.exitCode()).as(r1.err()).isZero();
            try (Connection c = cluster.connect()) {
                c.jetStream().publish("github.acme.svc.push", "{\"before\":\"r1\"}".getBytes(StandardCharsets.UTF_8));
                c.keyValue(Topology.CONTROLLER_BUCKET).put("kept", "from R1");
            }

            Result plan = OrgctlProcess.run(dir, env, "topology", "plan");
            assertThat(plan.out()).contains("replicas: 1 -> 3");
            Result apply = OrgctlProcess.run(dir, env, "topology", "apply");
            assertThat(apply.exitCode()).as(apply.err()).isZero();
            Result after = OrgctlProcess.run(dir, env, "topology", "plan");
            assertThat(after.out()).as("nothing left to change").doesNotContain("replicas:");
            assertThat(after.exitCode()).as(after.out()).isZero();

            try (Connection c = cluster.connect()) {
                JetStreamManagement jsm = c.jetStreamManagement();
                for (String stream : jsm.getStreamNames()) {
                    assertThat(jsm.getStreamInfo(stream).getConfiguration().getReplicas()).as(stream).isEqualTo(3);
                }
            }
            int leader = cluster.leaderOf(Topology.EVENTS_STREAM, Duration.ofSeconds(30));
            cluster.kill(leader);
            try (Connection c = cluster.connect()) {
                Awaitility.await("GITHUB_EVENTS readable after its leader died").atMost(Duration.ofSeconds(60))
                        .ignoreExceptions().untilAsserted(() -> assertThat(new String(c.jetStreamManagement()
                                .getLastMessage(Topology.EVENTS_STREAM, "github.acme.svc.push").getData(),
                                StandardCharsets.UTF_8)).isEqualTo("{\"before\":\"r1\"}"));
                Awaitility.await("ORGCTL_CONTROLLER readable").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .untilAsserted(() -> assertThat(c.keyValue(Topology.CONTROLLER_BUCKET).get("kept")
                                .getValueAsString()).isEqualTo("from R1"));
            }
            // And back down, R3 to R1 in place, at once after the killed server restarts: apply waits
            // while the restarted server's groups elect their leaders ("temporarily unavailable").
            cluster.restart(leader);
            Result down = OrgctlProcess.run(dir, env, "topology", "apply", "--nats-replicas", "1");
            // (It usually meets "temporarily unavailable" on a consumer of the restarted server and waits.)
            assertThat(down.exitCode()).as(down.err()).isZero();
            try (Connection c = cluster.connect()) {
                JetStreamManagement jsm = c.jetStreamManagement();
                for (String stream : jsm.getStreamNames()) {
                    assertThat(jsm.getStreamInfo(stream).getConfiguration().getReplicas()).as(stream).isEqualTo(1);
                }
                assertThat(new String(jsm.getLastMessage(Topology.EVENTS_STREAM, "github.acme.svc.push").getData(),
                        StandardCharsets.UTF_8)).isEqualTo("{\"before\":\"r1\"}");
                assertThat(c.keyValue(Topology.CONTROLLER_BUCKET).get("kept").getValueAsString()).isEqualTo("from R1");
            }
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
