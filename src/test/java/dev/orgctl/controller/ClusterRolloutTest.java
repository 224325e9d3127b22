package dev.orgctl.controller;

import static dev.orgctl.controller.OrgFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.regen.Provenance;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.NatsCluster;
import dev.orgctl.testing.ShortLeases;
import dev.orgctl.testing.UpProcess;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A template change rolled out to 50 repositories (git backend) by two {@code orgctl up} child
 * processes on a 3-node R3 cluster while the node leading one of orgctl's streams is SIGKILLed
 * mid-rollout and later restarted. Every repository ends with exactly one orgctl commit for the
 * revision, every regeneration workflow completes, no lock outlives its holder, nothing stays
 * unacknowledged. Slow (minutes): tagged {@code cluster}, run as docs/reliability.md says.
 */
@Tag("cluster")
@Timeout(600)
class ClusterRolloutTest {
    private static final int REPOS = 50;
    private static final String MARKER = "@acme/cluster-rollout";
    /** Repositories regenerated before the kill, so the kill lands while jobs are being worked. */
    private static final int DONE_BEFORE_KILL = 5;

    @Test
    void jobsStreamLeaderKilledMidRollout() throws Exception {
        rolloutSurvivesKillOfLeaderOf(Topology.JOBS_STREAM);
    }

    @Test
    void locksOrWorkflowsBucketLeaderKilledMidRollout() throws Exception {
        rolloutSurvivesKillOfLeaderOf("KV_" + Topology.LOCKS_BUCKET, "KV_" + Topology.WORKFLOWS_BUCKET);
    }

    /** Kills the node leading the first of {@code streams} (printing who led the others) and restarts it. */
    private static void rolloutSurvivesKillOfLeaderOf(String... streams) throws Exception {
        try (NatsCluster cluster = NatsCluster.start(3).withTopology();
             OrgFixture f = OrgFixture.onCluster(cluster, REPOS, SampleTemplates.files())) {
            f.connect();
            // A job whose ack was lost with the leader comes back after the ack wait (120 s in
            // production): shorten it, and the lock lease, so redeliveries happen within the test.
            ShortLeases.apply(f.runtime.connection(), Duration.ofSeconds(15), Topology.LOCK_LEASE);
            List<UpProcess> processes = new ArrayList<>();
            try {
                processes.addAll(f.startReplicas(2, "--workers", "2"));
                long start = System.nanoTime();
                String rev = f.pushGit(f.templates, GitTestRepos.files("templates/github/.github/CODEOWNERS",
                        "* <%= vars.owners %> " + MARKER + "\n"), "codeowners for the cluster rollout test");
                await(DONE_BEFORE_KILL + " repositories regenerated before the kill", Duration.ofSeconds(120),
                        () -> done(f) >= DONE_BEFORE_KILL);

                List<String> leaders = new ArrayList<>();
                for (String s : streams) {
                    leaders.add(s + "=" + cluster.node(cluster.leaderOf(s, Duration.ofSeconds(30))).name());
                }
                int victim = cluster.leaderOf(streams[0], Duration.ofSeconds(30));
                int doneAtKill = done(f);
                long killedAt = System.nanoTime();
                cluster.kill(victim);
                // Election time: until every named stream answers with a running leader again.
                for (String s : streams) {
                    cluster.leaderOf(s, Duration.ofSeconds(60));
                }
                long electionMs = (System.nanoTime() - killedAt) / 1_000_000;
                // Let the rollout go on without the node, then bring it back while jobs are still worked
                // (a whole rollout takes seconds: waiting for more progress would restart it after the end).
                await("progress with " + cluster.node(victim).name() + " down", Duration.ofSeconds(120),
                        () -> done(f) > doneAtKill);
                int doneAtRestart = done(f);
                cluster.restart(victim);

                await("every repository regenerated", Duration.ofSeconds(300), () -> {
                    processes.forEach(UpProcess::ready); // fails when a process exited
                    return done(f) == REPOS;
                });
                long finishedMs = (System.nanoTime() - start) / 1_000_000;
                f.awaitQuiescence(Duration.ofSeconds(3), Duration.ofSeconds(120));
                String figures = String.format("cluster rollout: killed %s (leaders %s) at %d/%d, election %d ms, "
                        + "restarted at %d/%d, all %d regenerated %d ms after the push, load %.2f",
                        cluster.node(victim).name(), leaders, doneAtKill, REPOS, electionMs, doneAtRestart, REPOS,
                        REPOS, finishedMs, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                System.out.println(figures);

                for (RepoRef r : f.targets) {
                    Map<String, Long> perRevision = f.log(r).stream()
                            .filter(c -> Provenance.isOrgctlCommit(c.getFullMessage()))
                            .collect(Collectors.groupingBy(c -> OrgFixture.trailer(c, "Orgctl-Template-Rev"),
                                    Collectors.counting()));
                    assertEquals(Map.of(rev, 1L), perRevision, r + ": one orgctl commit for the revision; " + figures);
                }
                List<String> unfinished = Workflows.open(f.runtime, "test").list().stream()
                        .filter(w -> w.workflowId().startsWith("regen/"))
                        .filter(w -> w.state() != WorkflowState.COMPLETED)
                        .map(w -> w.workflowId() + "=" + w.state() + " attempt " + w.record().getAttempt() + " ("
                                + w.record().getLastError() + ")").toList();
                assertEquals(List.of(), unfinished, "every regeneration workflow completed; " + figures);
                assertEquals(List.of(), f.runtime.connection().keyValue(Topology.LOCKS_BUCKET).keys(),
                        "no repository lock left once the rollout is done; " + figures);
                assertEquals(0, f.pendingWork(), "nothing left unacknowledged; " + figures);
            } finally {
                for (UpProcess p : processes) {
                    p.close();
                }
            }
        }
    }

    /** Repositories carrying the change. */
    private static int done(OrgFixture f) {
        return (int) f.targets.stream().filter(r -> {
            String s = f.file(r, ".github/CODEOWNERS");
            return s != null && s.contains(MARKER);
        }).count();
    }
}
