package dev.orgctl.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.coordination.LeaseClass;
import dev.orgctl.coordination.LockService;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.UnreapedProcess;
import dev.orgctl.testing.UpProcess;
import dev.orgctl.testing.WatchedProcess;
import io.nats.client.Connection;
import io.nats.client.api.KeyValueEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bootstrap's KV lease under the conditions operators meet: a killed bootstrap that nobody
 * has reaped yet, bootstraps in separate PID namespaces with the same host name, a second
 * operator's brand-new data dir against a NATS that already holds the state, and a run that gives
 * up waiting for the lease.
 */
class BootstrapLeaseEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void aKilledBootstrapThatIsNotReapedYetIsTakenOverByTheNextRunOnItsDataDir() throws Exception {
        BootstrapOrg org = new BootstrapOrg(tmp, true);
        try (UnreapedProcess first = UnreapedProcess.start(OrgctlProcess.builder(tmp,
                BootstrapOrg.paused(org.env, "gateway"), "bootstrap"))) {
            // Inside the gateway stage: the state is in NATS and the run holds the KV lease.
            assertThat(first.awaitOutput(TestPause.marker(StageName.GATEWAY), Duration.ofSeconds(120)))
                    .as(first.output()).isTrue();
            first.kill();
            first.awaitZombie(Duration.ofSeconds(10));
            assertThat(ProcessHandle.of(first.pid()).map(ProcessHandle::isAlive)).as("a zombie counts as alive")
                    .contains(true);

            OrgctlProcess.Result second = org.orgctl("bootstrap");
            assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
            assertThat(second.out()).contains("Bootstrap complete");
            assertThat(second.out() + second.err()).doesNotContain("lease_id", "acquired_at {");
            assertThat(first.state()).as("still unreaped while the second run worked").isEqualTo("Z");
            assertThat(org.recorded("gateway").get("status").asText()).isIn("done", "adopted");
            OrgctlProcess.Result verify = org.orgctl("bootstrap", "verify");
            assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        } finally {
            org.down();
        }
    }

    @Test
    void twoBootstrapsInSeparatePidNamespacesWithTheSameHostNameNeverShareTheLease() throws Exception {
        assumeTrue(unshareWorks(), "needs 'unshare --pid --fork' (root)");
        BootstrapOrg org = new BootstrapOrg(tmp, true);
        try (NatsServerFixture nats = NatsServerFixture.start(); Connection c = nats.connect()) {
            org.env.put("NATS_URL", nats.url());
            // The gateway runs outside the namespaces (as a platform would run it): nothing inside them
            // writes a pid file that a process in the host's namespace could misread.
            try (UpProcess gateway = UpProcess.start(tmp, "gateway", org.env)) {
                BootstrapOrg.waitUntil(Duration.ofSeconds(120), gateway::ready, "orgctl up ready");
                String[] args = {"bootstrap", "--mode", "external", "--gateway-url",
                    gateway.webhookUrl().replace("/webhooks/github", "")};
                // Each orgctl is pid 1 of its own PID namespace, on the same host name, with its own data dir.
                WatchedProcess first = BootstrapOrg.awaitMarker(WatchedProcess.start(inPidNamespace(
                        OrgctlProcess.builder(tmp, BootstrapOrg.paused(org.env, "gateway"), args))),
                        TestPause.marker(StageName.GATEWAY));
                try {
                    LockService.LockInfo held = leaseHolder(c).orElseThrow(() -> new AssertionError(
                            "the paused bootstrap holds no lease: " + first.output()));
                    assertThat(held.holder().getPid()).as("pid inside its namespace").isEqualTo(1);
                    long stateRevision = c.keyValue(Topology.BOOTSTRAP_BUCKET).get(KvStateStore.KEY).getRevision();

                    WatchedProcess second = WatchedProcess.start(inPidNamespace(
                            OrgctlProcess.builder(tmp, org.otherMachine("container-b"), args)));
                    int code = second.awaitExit(Duration.ofSeconds(120));
                    assertThat(code).as(second.output()).isEqualTo(1);
                    assertThat(second.output()).contains("another bootstrap holds the lease 'bootstrap'",
                            "pid 1 on " + held.holder().getHost(), "left unless renewed")
                            .doesNotContain("lease_id");
                    assertThat(first.process().isAlive()).as("the first is still at work").isTrue();
                    assertThat(leaseHolder(c).orElseThrow().holder().getLeaseId())
                            .as("the first's lease is untouched").isEqualTo(held.holder().getLeaseId());
                    assertThat(c.keyValue(Topology.BOOTSTRAP_BUCKET).get(KvStateStore.KEY).getRevision())
                            .as("nothing written by the second").isEqualTo(stateRevision);
                } finally {
                    first.kill();
                }
            }
        }
    }

    @Test
    void aNewDataDirAdoptsTheStateInNatsAndEveryStageThatWritesToNatsHoldsTheLease() throws Exception {
        BootstrapOrg org = new BootstrapOrg(tmp, true);
        try (NatsServerFixture nats = NatsServerFixture.start(); Connection c = nats.connect()) {
            org.env.put("NATS_URL", nats.url());
            // A fresh run inside the topology stage, its first write to NATS, already holds the lease.
            WatchedProcess inTopology = org.pausedIn(org.env, "topology");
            assertThat(leaseHolder(c)).as(inTopology.output()).map(i -> i.holder().getPid())
                    .contains(inTopology.process().pid());
            inTopology.kill();

            // The next run on that data dir takes its own dead run's lease over and completes.
            OrgctlProcess.Result first = org.orgctl("bootstrap");
            assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
            KeyValueEntry before = c.keyValue(Topology.BOOTSTRAP_BUCKET).get(KvStateStore.KEY);

            // A second operator: a brand-new data dir against the same NATS adopts what is there ...
            Map<String, String> other = org.otherMachine("second-operator");
            OrgctlProcess.Result adopt = OrgctlProcess.run(tmp, other, "bootstrap");
            assertThat(adopt.exitCode()).as(adopt.out() + adopt.err()).isZero();
            assertThat(adopt.out()).contains("Nothing to do", "prerequisites    already", "topology         already");
            // ... and writes nothing over it.
            KeyValueEntry after = c.keyValue(Topology.BOOTSTRAP_BUCKET).get(KvStateStore.KEY);
            assertThat(after.getRevision()).isEqualTo(before.getRevision());
            JsonNode gateway = org.recorded(other, "gateway");
            assertThat(gateway.get("by").asText()).isEqualTo(org.recorded("gateway").get("by").asText());

            // Redoing a stage that writes to NATS holds the lease while it works (--only, --from).
            for (String[] args : List.of(new String[] {"--only", "topology"}, new String[] {"--from", "topology"})) {
                WatchedProcess redo = org.pausedIn(other, "topology", args);
                assertThat(leaseHolder(c)).as(redo.output()).map(i -> i.holder().getPid())
                        .contains(redo.process().pid());
                redo.kill();
            }
            // Its record went to the bucket on top of the first machine's: nothing lost.
            BootstrapState state = StateCodec.decode(c.keyValue(Topology.BOOTSTRAP_BUCKET).get(KvStateStore.KEY)
                    .getValue(), "bucket");
            assertThat(state.result(StageName.TOPOLOGY).orElseThrow().status()).isEqualTo(StageResult.Status.STARTED);
            assertThat(state.complete(StageName.SELF_MANAGEMENT)).isTrue();
        } finally {
            org.down();
        }
    }

    @Test
    void aRunThatGivesUpOnTheLeaseRecordsNothingAndSaysWhoHoldsIt() throws Exception {
        BootstrapOrg org = new BootstrapOrg(tmp, true);
        try (NatsServerFixture nats = NatsServerFixture.start(); Connection c = nats.connect()) {
            org.env.put("NATS_URL", nats.url());
            WatchedProcess holder = org.pausedIn(org.env, "gateway");
            String holderLease = leaseHolder(c).orElseThrow().holder().getLeaseId();

            // Another machine that believes the state is in NATS waits for the lease; meanwhile the
            // holder dies (its lease stays until it runs out), so the wait ends without the lease.
            Path otherDataDir = Path.of(org.otherMachine("waiting").get("ORGCTL_DATA_DIR"));
            Files.createDirectories(otherDataDir.resolve("bootstrap"));
            Files.copy(org.dataDir.resolve("bootstrap").resolve("state.json"),
                    otherDataDir.resolve("bootstrap").resolve("state.json"));
            Map<String, String> other = new java.util.HashMap<>(org.env);
            other.put("ORGCTL_DATA_DIR", otherDataDir.toString());
            WatchedProcess waiting = WatchedProcess.start(OrgctlProcess.builder(tmp, other, "bootstrap",
                    "--lock-wait", "15s"));
            BootstrapOrg.waitUntil(Duration.ofSeconds(60), () -> holdersWaiting(c) || !waiting.process().isAlive(),
                    "the second bootstrap is waiting for the lease");
            holder.kill();

            int code = waiting.awaitExit(Duration.ofSeconds(120));
            assertThat(code).as(waiting.output()).isEqualTo(1);
            assertThat(waiting.output()).contains("another bootstrap holds the lease 'bootstrap'",
                    "pid " + holder.process().pid() + " on ", "left unless renewed")
                    .doesNotContain("stage gateway failed", "lease_id");
            // Not taken, not released by force, and nothing recorded over the holder's state.
            assertThat(leaseHolder(c).orElseThrow().holder().getLeaseId()).isEqualTo(holderLease);
            JsonNode gateway = org.recorded("gateway");
            assertThat(gateway.get("status").asText()).isEqualTo("started");
            assertThat(gateway.get("by").asText()).startsWith("orgctl pid " + holder.process().pid() + " ");
        } finally {
            org.down();
        }
    }

    /** Whether a waiter watches the lease key: a second bootstrap has begun to wait. */
    private static boolean holdersWaiting(Connection c) {
        try {
            return c.jetStreamManagement().getConsumerNames("KV_" + LeaseClass.LONG.bucket()).size() > 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static Optional<LockService.LockInfo> leaseHolder(Connection c) {
        try (LockService locks = LockService.open(c, null, LeaseClass.LONG.bucket(),
                LockService.Identity.current("test"), null)) {
            return locks.inspect(StateStores.LEASE_NAME);
        }
    }

    /** {@code pb}'s command as pid 1 of a new PID namespace, killed with it when the unshare process dies. */
    private static ProcessBuilder inPidNamespace(ProcessBuilder pb) {
        List<String> cmd = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--kill-child"));
        cmd.addAll(pb.command());
        return pb.command(cmd);
    }

    private static boolean unshareWorks() {
        try {
            Process p = new ProcessBuilder("unshare", "--pid", "--fork", "--kill-child", "true")
                    .redirectErrorStream(true).start();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
