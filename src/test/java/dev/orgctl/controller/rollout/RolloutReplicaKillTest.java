package dev.orgctl.controller.rollout;

import static dev.orgctl.controller.rollout.RolloutKv.instant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.controller.OrgFixture;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import dev.orgctl.proto.RolloutState;
import dev.orgctl.proto.RolloutWave;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.proto.WorkflowStateEvent;
import dev.orgctl.testing.KillWhenRunning;
import dev.orgctl.testing.ShortLeases;
import dev.orgctl.testing.UpProcess;
import dev.orgctl.testing.WebhookSchemas;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rollout survives what production does to it (issue 17): two {@code orgctl up} replicas (child
 * JVMs, git backend) roll a template change out in three waves; one replica is SIGKILLed while it
 * regenerates a repository of a wave, and nats-server is killed and restarted on the same store
 * while a later gate waits for CI. The rollout goes on from what ORGCTL_ROLLOUTS recorded: every
 * wave starts only after the previous one's gate passed, no wave is skipped, every repository gets
 * exactly one orgctl commit for the revision, and the workflow {@code rollout/<org>/<id>} tells the
 * same story in order.
 */
@Timeout(600)
class RolloutReplicaKillTest {
    /** Time enough for a job lost with a dying replica (or a server) to be queued again: 2 minutes stale, plus a look. */
    private static final Duration STALE_PENDING_RECOVERY = Duration.ofSeconds(240);
    private static final int REPOS = 12;
    private static final Pattern STARTED = Pattern.compile("wave (\\d+)/(\\d+) started");
    private static final Pattern PASSED = Pattern.compile("wave (\\d+) gate passed");

    @Test
    void aReplicaKilledMidWaveAndNatsRestartedMidGate() throws Exception {
        // A gate far longer than the test: every wave passes on its CI results, never on the deadline.
        try (OrgFixture f = OrgFixture.create(REPOS, RolloutTemplates.files("initial",
                "rollout:",
                "  waves:",
                "    - select: { names: [svc-01, svc-02] }",
                "    - percent: 50",
                "    - percent: 100",
                "  gate:",
                "    wait: 10m",
                "    on_timeout: pause"))) {
            f.connect();
            // The killed replica's job and lock come back within the test's time (see ControllerScaleOutTest).
            ShortLeases.apply(f.runtime.connection(), Duration.ofSeconds(15), Topology.LOCK_LEASE);
            RolloutKv kv = new RolloutKv(f.runtime.connection());
            List<UpProcess> processes = new ArrayList<>();
            try {
                processes.addAll(f.startReplicas(2, "--workers", "2", "--rollout-tick", "200ms"));
                UpProcess victim = processes.get(0);
                UpProcess survivor = processes.get(1);
                CiDeliveries deliveries = new CiDeliveries(OrgFixture.ORG, URI.create(survivor.webhookUrl()),
                        OrgFixture.SECRET, WebhookSchemas.load());
                String rev;
                String runningAtKill;
                Instant restartedAt;
                int gateAtRestart;
                try (KillWhenRunning killer = KillWhenRunning.arm(f.runtime.connection(), victim)) {
                    rev = f.pushGit(f.templates, GitTestRepos.files("templates/base/" + RolloutTemplates.FILE,
                            "rolled out: kill\n"), "rollout test: a replica killed mid-wave");
                    try (PassingCi ci = PassingCi.start(f, deliveries, rev)) {
                        runningAtKill = killer.await(Duration.ofSeconds(120));
                        // Keep the next gate open until NATS has been restarted under it.
                        ci.hold();
                        assertThat(victim.awaitExit(Duration.ofSeconds(30))).isTrue();
                        Rollout atKill = kv.rollout(OrgFixture.ORG, rev).orElseThrow();
                        System.out.println("rollout-kill: killed orgctl up #0 running " + runningAtKill + " in wave "
                                + (atKill.getWave() + 1) + " (" + atKill.getState() + ")");

                        // Up to 4 minutes: when the replica died between recording a repository's trigger
                        // (PENDING) and queueing its job, the job comes back when the wave's start is done
                        // again (a trigger folded into a run PENDING without a job re-queues it), else by
                        // the sweep (every minute, of runs PENDING 30 s without a job; docs/controller.md).
                        Rollout gating = kv.await(OrgFixture.ORG, rev, "a gate waiting for a held result",
                                STALE_PENDING_RECOVERY, r -> r.getState() == RolloutState.ROLLOUT_GATING
                                        && r.getWaves((int) r.getWave()).getReposList().stream()
                                        .anyMatch(ci.waiting()::contains));
                        gateAtRestart = (int) gating.getWave();
                        restartedAt = Instant.now();
                        f.nats.kill();
                        f.nats.restart();
                        System.out.println("rollout-kill: restarted nats-server in the gate of wave "
                                + (gateAtRestart + 1) + " (waiting for " + ci.waiting() + ")");
                        ci.release();

                        kv.await(OrgFixture.ORG, rev, "completed", STALE_PENDING_RECOVERY, r -> {
                            if (!survivor.process().isAlive()) {
                                throw new IllegalStateException("unreachable: the survivor exited");
                            }
                            return r.getState() == RolloutState.ROLLOUT_COMPLETED;
                        });
                    }
                }
                assertThat(survivor.process().isAlive()).as("the surviving replica runs: " + survivor.log()).isTrue();
                f.awaitQuiescence(Duration.ofSeconds(2), Duration.ofSeconds(90));

                Rollout done = kv.rollout(OrgFixture.ORG, rev).orElseThrow();
                // Every finding at once: a run of this test is expensive.
                SoftAssertions soft = new SoftAssertions();
                soft.assertThat(done.getState()).isEqualTo(RolloutState.ROLLOUT_COMPLETED);
                soft.assertThat(kv.current(OrgFixture.ORG)).contains(rev);
                soft.assertThat(kv.stable(OrgFixture.ORG)).contains(rev);
                assertWavesInOrder(soft, done);
                soft.assertThat(instant(done.getWaves(gateAtRestart).getEndedAt()))
                        .as("the gate open at the restart passed after it").isAfter(restartedAt);
                assertEveryRepositoryOnceInItsWave(soft, f, kv, done, rev);
                assertHistoryTellsTheWaves(soft, f, rev, done.getWavesCount());
                soft.assertThat(f.pendingWork()).as("nothing left unacknowledged").isZero();
                List<String> unfinished = Workflows.open(f.runtime, "test").list().stream()
                        .filter(w -> w.workflowId().startsWith("regen/"))
                        .filter(w -> w.state() != WorkflowState.COMPLETED)
                        .map(w -> w.workflowId() + "=" + w.state()).toList();
                soft.assertThat(unfinished).as("every regeneration completed").isEmpty();
                soft.assertAll();
            } catch (AssertionError | RuntimeException e) {
                diagnose(f, kv, processes);
                throw e;
            } finally {
                for (UpProcess p : processes) {
                    p.close();
                }
            }
        }
    }

    /** What the replicas said and the pins hold, for a failure's reader (the org's directory is deleted). */
    private static void diagnose(OrgFixture f, RolloutKv kv, List<UpProcess> processes) {
        for (RepoRef r : f.targets) {
            try {
                System.out.println("rollout-kill: pin " + r.name() + " " + kv.pin(OrgFixture.ORG, r.name())
                        .map(p -> p.toString().replace('\n', ' ')).orElse("none"));
            } catch (RuntimeException e) {
                System.out.println("rollout-kill: pin " + r.name() + " unreadable: " + e);
            }
        }
        for (UpProcess p : processes) {
            String log = p.log();
            System.out.println("rollout-kill: log of pid " + p.process().pid() + " (last 20000 chars):\n"
                    + log.substring(Math.max(0, log.length() - 20_000)));
        }
    }

    /** Each wave started, gated and passed on its results, and started only after the one before passed. */
    private static void assertWavesInOrder(SoftAssertions soft, Rollout done) {
        Set<String> all = new HashSet<>();
        Instant previousEnd = Instant.EPOCH;
        for (RolloutWave w : done.getWavesList()) {
            String name = "wave " + (w.getIndex() + 1) + " " + w.getReposList();
            soft.assertThat(w.getReposList()).as(name).isNotEmpty();
            for (String repo : w.getReposList()) {
                soft.assertThat(all.add(repo)).as(repo + " in one wave only").isTrue();
            }
            soft.assertThat(w.getOutcome()).as(name).isEqualTo("passed");
            Instant started = instant(w.getStartedAt());
            Instant gate = instant(w.getGateStartedAt());
            Instant ended = instant(w.getEndedAt());
            soft.assertThat(started).as(name + " started after the previous gate passed").isAfterOrEqualTo(previousEnd);
            soft.assertThat(gate).as(name + " gated after it started").isAfterOrEqualTo(started);
            soft.assertThat(ended).as(name + " passed after its gate began").isAfterOrEqualTo(gate);
            soft.assertThat(ended).as(name + " passed on its results, before the deadline")
                    .isBefore(instant(w.getGateDeadline()));
            previousEnd = ended;
        }
        soft.assertThat(done.getWavesList()).extracting(w -> w.getReposCount()).containsExactly(2, 5, 5);
        soft.assertThat(all).hasSize(REPOS);
    }

    /**
     * Each repository: one orgctl commit for the revision, made while its wave rolled, and named by
     * its pin. "While its wave rolled" is git's commit time, in whole seconds, from the previous
     * wave's gate (the rollout's start for the first) to its own gate. Not from its own recorded
     * start: the driver starts a wave (pins, jobs) before it records the start, and when the replica
     * or the server dies in between, the start is done again and recorded later than the commits the
     * first one caused (the kills here make that happen now and then).
     */
    private static void assertEveryRepositoryOnceInItsWave(SoftAssertions soft, OrgFixture f, RolloutKv kv, Rollout done, String rev) {
        long previousGate = instant(done.getCreatedAt()).getEpochSecond();
        for (RolloutWave w : done.getWavesList()) {
            for (String name : w.getReposList()) {
                RepoRef repo = f.targets.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
                List<RevCommit> commits = RolloutTemplates.orgctlCommits(f, repo, rev);
                soft.assertThat(commits).as(name + ": one orgctl commit for the revision").hasSize(1);
                if (commits.isEmpty()) {
                    continue;
                }
                RevCommit c = commits.get(0);
                long at = c.getCommitterIdent().getWhenAsInstant().getEpochSecond();
                soft.assertThat(at).as(name + " committed while wave " + (w.getIndex() + 1) + " rolled")
                        .isBetween(previousGate, instant(w.getGateStartedAt()).getEpochSecond());
                // A later run of the same revision (a repeated wave start, a taken-over job) writes
                // nothing and may note so, but the commit the gate must see stays on the pin.
                RolloutPin pin = kv.pin(OrgFixture.ORG, name).orElseThrow();
                soft.assertThat(List.of(pin.getRolloutId(), pin.getRevision(), pin.getAppliedRevision(), pin.getCommit(),
                        Integer.toString(pin.getWave()))).as(name + "'s pin " + pin)
                        .containsExactly(rev, rev, rev, c.name(), Integer.toString(w.getIndex()));
            }
            previousGate = instant(w.getGateStartedAt()).getEpochSecond();
        }
    }

    /** The workflow's history: a chain of transitions ending COMPLETED, each wave started once and passed once, in order. */
    private static void assertHistoryTellsTheWaves(SoftAssertions soft, OrgFixture f, String rev, int waves) {
        Workflows workflows = Workflows.open(f.runtime, "test");
        String id = "rollout/" + OrgFixture.ORG + "/" + rev;
        soft.assertThat(workflows.get(id).orElseThrow().state()).isEqualTo(WorkflowState.COMPLETED);
        List<WorkflowStateEvent> history = workflows.history(id);
        List<String> story = new ArrayList<>();
        List<String> waveEvents = new ArrayList<>();
        WorkflowState at = null;
        for (WorkflowStateEvent e : history) {
            story.add(e.getCurrentState() + "->" + e.getTargetState() + " " + e.getReason());
            if (at != null) {
                soft.assertThat(e.getCurrentState()).as("the history is a chain: " + story).isEqualTo(at);
            }
            at = e.getTargetState();
            Matcher started = STARTED.matcher(e.getReason());
            if (started.find()) {
                soft.assertThat(Integer.parseInt(started.group(2))).as(e.getReason()).isEqualTo(waves);
                waveEvents.add("started " + started.group(1));
            }
            Matcher passed = PASSED.matcher(e.getReason());
            if (passed.find()) {
                waveEvents.add("passed " + passed.group(1));
            }
        }
        soft.assertThat(at).as("the history ends completed: " + story).isEqualTo(WorkflowState.COMPLETED);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= waves; i++) {
            expected.add("started " + i);
            expected.add("passed " + i);
        }
        soft.assertThat(waveEvents).as("each wave started once and passed once, in order: " + story)
                .containsExactlyElementsOf(expected);
    }
}
