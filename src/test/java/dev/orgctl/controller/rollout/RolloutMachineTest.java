package dev.orgctl.controller.rollout;

import static dev.orgctl.proto.RolloutState.ROLLOUT_ABORTED;
import static dev.orgctl.proto.RolloutState.ROLLOUT_COMPLETED;
import static dev.orgctl.proto.RolloutState.ROLLOUT_GATING;
import static dev.orgctl.proto.RolloutState.ROLLOUT_PAUSED;
import static dev.orgctl.proto.RolloutState.ROLLOUT_ROLLING;
import static dev.orgctl.proto.RolloutState.ROLLOUT_SUPERSEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.controller.rollout.RolloutMachine.Action;
import dev.orgctl.controller.rollout.RolloutMachine.Decision;
import dev.orgctl.proto.CiCheck;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.RepoFailure;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutGate;
import dev.orgctl.proto.RolloutPin;
import dev.orgctl.proto.RolloutState;
import dev.orgctl.proto.RolloutWave;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutMachineTest {
    private static final String REV = "a".repeat(40);
    private static final String OLD = "b".repeat(40);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration WAIT = Duration.ofMinutes(10);

    private final Map<String, RolloutPin> pins = new HashMap<>();
    private final Map<String, CiRecord> ci = new HashMap<>();

    private static RolloutGate gate(int maxFailures, boolean percent, boolean pauseOnTimeout) {
        return RolloutGate.newBuilder().setWait(RolloutMachine.duration(WAIT)).setMaxFailures(maxFailures)
                .setMaxFailuresPercent(percent).setPauseOnTimeout(pauseOnTimeout).build();
    }

    private static Rollout begin(RolloutGate gate, List<List<String>> waves) {
        List<RolloutWave> ws = waves.stream().map(w -> RolloutWave.newBuilder().setLabel("w").addAllRepos(w).build())
                .toList();
        return RolloutMachine.begin(new RolloutMachine.Begin("org", REV, REV, OLD, ws, gate, "", "delivery-1",
                "test"), T0);
    }

    private static Rollout twoWaves(RolloutGate gate) {
        return begin(gate, List.of(List.of("canary"), List.of("x", "y")));
    }

    private Rollout tick(Rollout r, Instant now) {
        return RolloutMachine.tick(r, pins, ci, now).next().orElseThrow();
    }

    private void ran(Rollout r, String repo, String commit, String outcome) {
        pins.put(repo, RolloutPin.newBuilder().setOrg("org").setRepo(repo).setRevision(r.getRevision())
                .setRolloutId(r.getId()).setAppliedRevision(r.getRevision()).setCommit(commit).setOutcome(outcome)
                .build());
    }

    private void check(String repo, String sha, String key, String status, String conclusion) {
        CiRecord.Builder b = ci.containsKey(repo) ? ci.get(repo).toBuilder()
                : CiRecord.newBuilder().setOrg("org").setRepo(repo).setSha(sha);
        b.putChecks(key, CiCheck.newBuilder().setName(key).setStatus(status).setConclusion(conclusion)
                .setUrl("https://ci/" + repo).build());
        ci.put(repo, b.build());
    }

    /** Wave 0 started and every run of it committed: the rollout is GATING at T0 + 1 s. */
    private Rollout gatingCanary(RolloutGate gate) {
        Rollout r = tick(twoWaves(gate), T0);
        ran(r, "canary", "c1", "committed");
        Rollout g = tick(r, T0.plusSeconds(1));
        assertThat(g.getState()).isEqualTo(ROLLOUT_GATING);
        return g;
    }

    @Test
    void beginIsRollingAtWaveZeroNotStarted() {
        Rollout r = twoWaves(gate(0, false, false));
        assertThat(r.getState()).isEqualTo(ROLLOUT_ROLLING);
        assertThat(r.getWave()).isZero();
        assertThat(r.getWaves(0).hasStartedAt()).isFalse();
        assertThat(r.getWaves(1).getIndex()).isEqualTo(1);
        assertThat(r.getPreviousRevision()).isEqualTo(OLD);
    }

    @Test
    void waveStartPinsAndSchedulesEveryRepositoryOfTheWaveOnly() {
        Decision d = RolloutMachine.tick(twoWaves(gate(0, false, false)), pins, ci, T0);
        assertThat(d.actions()).containsExactly(new Action.Pin("canary", 0),
                new Action.Schedule("canary", "rollout-" + REV + "-wave-0"));
        Rollout r = d.next().orElseThrow();
        assertThat(r.getState()).isEqualTo(ROLLOUT_ROLLING);
        assertThat(r.getWaves(0).hasStartedAt()).isTrue();
        assertThat(d.event()).isEqualTo("wave 1/2 started (1 repository)");
    }

    @Test
    void aStartedWaveWaitsForEveryRun() {
        Rollout r = begin(gate(0, false, false), List.of(List.of("a", "b")));
        r = tick(r, T0);
        ran(r, "a", "c1", "committed");
        assertThat(RolloutMachine.tick(r, pins, ci, T0.plusSeconds(1)).next()).isEmpty();
        // A pin that names the revision but was not applied yet (the run is still going) does not count.
        pins.put("b", RolloutPin.newBuilder().setRepo("b").setRevision(REV).setRolloutId(REV).build());
        assertThat(RolloutMachine.tick(r, pins, ci, T0.plusSeconds(1)).next()).isEmpty();
        // A pin of another rollout does not count either.
        pins.put("b", RolloutPin.newBuilder().setRepo("b").setRevision(OLD).setRolloutId(OLD).setAppliedRevision(OLD)
                .build());
        assertThat(RolloutMachine.tick(r, pins, ci, T0.plusSeconds(1)).next()).isEmpty();
        ran(r, "b", "", "failed");
        Rollout g = tick(r, T0.plusSeconds(2));
        assertThat(g.getState()).isEqualTo(ROLLOUT_GATING);
        assertThat(RolloutMachine.toInstant(g.getWaves(0).getGateDeadline())).isEqualTo(T0.plusSeconds(2).plus(WAIT));
    }

    @Test
    void allChecksPassedStartsTheNextWaveBeforeTheDeadline() {
        Rollout g = gatingCanary(gate(0, false, false));
        check("canary", "c1", "check_suite:1", "in_progress", "");
        assertThat(RolloutMachine.tick(g, pins, ci, T0.plusSeconds(2)).next()).isEmpty();
        check("canary", "c1", "check_suite:1", "completed", "success");
        Decision d = RolloutMachine.tick(g, pins, ci, T0.plusSeconds(3));
        Rollout n = d.next().orElseThrow();
        assertThat(n.getState()).isEqualTo(ROLLOUT_ROLLING);
        assertThat(n.getWave()).isEqualTo(1);
        assertThat(n.getWaves(0).getOutcome()).isEqualTo("passed");
        assertThat(n.getWaves(1).hasStartedAt()).isFalse();
        assertThat(d.event()).isEqualTo("wave 1 gate passed");
    }

    @Test
    void noCommitPassesAtOnce() {
        Rollout r = tick(twoWaves(gate(0, false, true)), T0);
        ran(r, "canary", "", "no_change");
        Rollout g = tick(r, T0.plusSeconds(1));
        assertThat(tick(g, T0.plusSeconds(2)).getWave()).isEqualTo(1);
    }

    @Test
    void aFailureOverTheBudgetPausesBeforeTheDeadlineNamingTheRepositoryWithItsLink() {
        Rollout g = gatingCanary(gate(0, false, false));
        check("canary", "c1", "check_suite:1", "completed", "failure");
        Rollout p = tick(g, T0.plusSeconds(2));
        assertThat(p.getState()).isEqualTo(ROLLOUT_PAUSED);
        assertThat(p.getFailuresList()).containsExactly(RepoFailure.newBuilder().setRepo("canary").setSha("c1")
                .setConclusion("failure").setUrl("https://ci/canary").setName("check_suite:1").build());
        assertThat(p.getWaves(0).getOutcome()).isEqualTo("failed");
        assertThat(p.getReason()).contains("canary failure (https://ci/canary)");
        assertThat(RolloutMachine.tick(p, pins, ci, T0.plus(WAIT).plusSeconds(5)).next()).isEmpty();
    }

    @Test
    void everyFailingConclusionFailsAndOthersPass() {
        for (String c : List.of("failure", "timed_out", "cancelled", "action_required", "startup_failure", "error")) {
            ci.clear();
            Rollout g = gatingCanary(gate(0, false, false));
            check("canary", "c1", "k", "completed", c);
            assertThat(tick(g, T0.plusSeconds(2)).getState()).as(c).isEqualTo(ROLLOUT_PAUSED);
        }
        for (String c : List.of("success", "neutral", "skipped", "stale")) {
            ci.clear();
            Rollout g = gatingCanary(gate(0, false, false));
            check("canary", "c1", "k", "completed", c);
            assertThat(tick(g, T0.plusSeconds(2)).getState()).as(c).isEqualTo(ROLLOUT_ROLLING);
        }
    }

    @Test
    void aFailedRunIsAFailure() {
        Rollout r = tick(twoWaves(gate(0, false, false)), T0);
        ran(r, "canary", "", "failed");
        Rollout p = tick(tick(r, T0.plusSeconds(1)), T0.plusSeconds(2));
        assertThat(p.getState()).isEqualTo(ROLLOUT_PAUSED);
        assertThat(p.getFailures(0).getConclusion()).isEqualTo("regeneration_failed");
    }

    @Test
    void failuresWithinTheBudgetAreTolerated() {
        Rollout r = tick(begin(gate(1, false, false), List.of(List.of("a", "b"), List.of("c"))), T0);
        ran(r, "a", "c1", "committed");
        ran(r, "b", "c2", "committed");
        Rollout g = tick(r, T0.plusSeconds(1));
        check("a", "c1", "k", "completed", "failure");
        assertThat(RolloutMachine.tick(g, pins, ci, T0.plusSeconds(2)).next()).as("b still waits").isEmpty();
        check("b", "c2", "k", "completed", "success");
        Decision d = RolloutMachine.tick(g, pins, ci, T0.plusSeconds(3));
        assertThat(d.next().orElseThrow().getWave()).isEqualTo(1);
        assertThat(d.event()).contains("1 failure tolerated: a failure");
        check("b", "c2", "k", "completed", "failure");
        assertThat(tick(g, T0.plusSeconds(3)).getState()).isEqualTo(ROLLOUT_PAUSED);
    }

    @Test
    void aPercentBudgetIsOfTheWavesSize() {
        List<String> ten = List.of("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9");
        Rollout r = tick(begin(gate(20, true, false), List.of(ten)), T0);
        ten.forEach(n -> ran(r, n, "c-" + n, "committed"));
        Rollout g = tick(r, T0.plusSeconds(1));
        ten.forEach(n -> check(n, "c-" + n, "k", "completed", "success"));
        check("r0", "c-r0", "k", "completed", "failure");
        check("r1", "c-r1", "k", "completed", "failure");
        assertThat(tick(g, T0.plusSeconds(2)).getState()).isEqualTo(ROLLOUT_COMPLETED);
        check("r2", "c-r2", "k", "completed", "failure");
        assertThat(tick(g, T0.plusSeconds(2)).getState()).isEqualTo(ROLLOUT_PAUSED);
    }

    @Test
    void atTheDeadlineNoCheckCountsAsPassed() {
        for (boolean pause : List.of(true, false)) {
            ci.clear();
            Rollout g = gatingCanary(gate(0, false, pause));
            assertThat(RolloutMachine.tick(g, pins, ci, T0.plus(WAIT)).next()).isEmpty();
            Rollout n = tick(g, T0.plusSeconds(1).plus(WAIT));
            assertThat(n.getWave()).isEqualTo(1);
            assertThat(n.getWaves(0).getOutcome()).isEqualTo("passed");
        }
    }

    @Test
    void atTheDeadlinePendingChecksProceedOrPause() {
        Rollout g = gatingCanary(gate(0, false, false));
        check("canary", "c1", "k", "queued", "");
        Rollout n = tick(g, T0.plusSeconds(1).plus(WAIT));
        assertThat(n.getState()).isEqualTo(ROLLOUT_ROLLING);
        assertThat(n.getWaves(0).getOutcome()).isEqualTo("passed_on_timeout");

        Rollout gp = gatingCanary(gate(0, false, true));
        Rollout p = tick(gp, T0.plusSeconds(1).plus(WAIT));
        assertThat(p.getState()).isEqualTo(ROLLOUT_PAUSED);
        assertThat(p.getWaves(0).getOutcome()).isEqualTo("timed_out");
        assertThat(p.getFailures(0).getConclusion()).isEqualTo("no_result");
    }

    @Test
    void awaitMergeWaitsForTheMerge() {
        Rollout r = tick(twoWaves(gate(0, false, true)), T0);
        pins.put("canary", RolloutPin.newBuilder().setRepo("canary").setRevision(REV).setRolloutId(REV)
                .setAppliedRevision(REV).setCommit("c1").setOutcome("proposed").setAwaitMerge(true).build());
        Rollout g = tick(r, T0.plusSeconds(1));
        check("canary", "c1", "k", "completed", "success");
        assertThat(RolloutMachine.tick(g, pins, ci, T0.plusSeconds(2)).next()).isEmpty();
        assertThat(tick(g, T0.plusSeconds(1).plus(WAIT)).getState()).as("not merged by the deadline: pause")
                .isEqualTo(ROLLOUT_PAUSED);
        ci.put("canary", ci.get("canary").toBuilder().setMerged(true).build());
        assertThat(tick(g, T0.plusSeconds(2)).getWave()).isEqualTo(1);
    }

    @Test
    void theLastWavePassedCompletesAndMarksStable() {
        Rollout r = tick(begin(gate(0, false, false), List.of(List.of("a"))), T0);
        ran(r, "a", "", "no_change");
        Decision d = RolloutMachine.tick(tick(r, T0.plusSeconds(1)), pins, ci, T0.plusSeconds(2));
        assertThat(d.next().orElseThrow().getState()).isEqualTo(ROLLOUT_COMPLETED);
        assertThat(d.actions()).containsExactly(new Action.MarkStable(REV));
    }

    @Test
    void noWavesCompletesAtOnce() {
        Decision d = RolloutMachine.tick(begin(gate(0, false, false), List.of()), pins, ci, T0);
        assertThat(d.next().orElseThrow().getState()).isEqualTo(ROLLOUT_COMPLETED);
    }

    @Test
    void resumeGoesOnWithTheNextWaveOrCompletes() {
        Rollout g = gatingCanary(gate(0, false, false));
        check("canary", "c1", "k", "completed", "failure");
        Rollout p = tick(g, T0.plusSeconds(2));
        Decision d = RolloutMachine.resume(p, "cli:ann", T0.plusSeconds(3));
        Rollout n = d.next().orElseThrow();
        assertThat(n.getState()).isEqualTo(ROLLOUT_ROLLING);
        assertThat(n.getWave()).isEqualTo(1);
        assertThat(n.getWaves(0).getOutcome()).isEqualTo("resumed");
        assertThat(n.getActor()).isEqualTo("cli:ann");
        assertThat(n.getReason()).contains("resumed by cli:ann");
        assertThat(n.getFailuresList()).isEmpty();

        Rollout last = tick(begin(gate(0, false, false), List.of(List.of("a"))), T0);
        ran(last, "a", "", "failed");
        Rollout lp = tick(tick(last, T0.plusSeconds(1)), T0.plusSeconds(2));
        assertThat(lp.getState()).isEqualTo(ROLLOUT_PAUSED);
        Decision ld = RolloutMachine.resume(lp, "cli:ann", T0.plusSeconds(3));
        assertThat(ld.next().orElseThrow().getState()).isEqualTo(ROLLOUT_COMPLETED);
        assertThat(ld.actions()).containsExactly(new Action.MarkStable(REV));
    }

    @Test
    void onlyAPausedRolloutResumes() {
        for (RolloutState s : List.of(ROLLOUT_ROLLING, ROLLOUT_GATING, ROLLOUT_COMPLETED, ROLLOUT_ABORTED,
                ROLLOUT_SUPERSEDED)) {
            Rollout r = twoWaves(gate(0, false, false)).toBuilder().setState(s).build();
            assertThatThrownBy(() -> RolloutMachine.resume(r, "cli:ann", T0)).isInstanceOf(RolloutException.class)
                    .hasMessageContaining("is " + s.name().substring(8)).hasMessageContaining("only a paused");
        }
    }

    @Test
    void abortStopsAGoingRolloutAndSkipsTheWavesNotStarted() {
        for (RolloutState s : List.of(ROLLOUT_ROLLING, ROLLOUT_GATING, ROLLOUT_PAUSED)) {
            Rollout r = tick(twoWaves(gate(0, false, false)), T0).toBuilder().setState(s).build();
            Rollout a = RolloutMachine.abort(r, "cli:ann", "bad idea", T0.plusSeconds(1));
            assertThat(a.getState()).isEqualTo(ROLLOUT_ABORTED);
            assertThat(a.getReason()).isEqualTo("aborted by cli:ann: bad idea");
            assertThat(a.getWaves(0).getOutcome()).isEmpty();
            assertThat(a.getWaves(1).getOutcome()).isEqualTo("skipped");
            assertThat(RolloutMachine.tick(a, pins, ci, T0.plusSeconds(2)).next()).isEmpty();
        }
        for (RolloutState s : List.of(ROLLOUT_COMPLETED, ROLLOUT_ABORTED, ROLLOUT_SUPERSEDED)) {
            Rollout r = twoWaves(gate(0, false, false)).toBuilder().setState(s).build();
            assertThatThrownBy(() -> RolloutMachine.abort(r, "cli:ann", "", T0)).isInstanceOf(RolloutException.class);
        }
    }

    @Test
    void supersedeEndsAGoingRolloutOnly() {
        for (RolloutState s : List.of(ROLLOUT_ROLLING, ROLLOUT_GATING, ROLLOUT_PAUSED)) {
            Rollout r = twoWaves(gate(0, false, false)).toBuilder().setState(s).build();
            Rollout n = RolloutMachine.supersede(r, "c".repeat(40), "replica", T0).orElseThrow();
            assertThat(n.getState()).isEqualTo(ROLLOUT_SUPERSEDED);
            assertThat(n.getSupersededBy()).isEqualTo("c".repeat(40));
            assertThat(n.getReason()).isEqualTo("superseded by " + "c".repeat(40));
        }
        for (RolloutState s : List.of(ROLLOUT_COMPLETED, ROLLOUT_ABORTED, ROLLOUT_SUPERSEDED)) {
            Rollout r = twoWaves(gate(0, false, false)).toBuilder().setState(s).build();
            assertThat(RolloutMachine.supersede(r, "c".repeat(40), "replica", T0)).isEmpty();
        }
    }

    @Test
    void endedAndPausedRolloutsDoNotTick() {
        for (RolloutState s : List.of(ROLLOUT_PAUSED, ROLLOUT_COMPLETED, ROLLOUT_ABORTED, ROLLOUT_SUPERSEDED)) {
            Rollout r = twoWaves(gate(0, false, false)).toBuilder().setState(s).build();
            assertThat(RolloutMachine.tick(r, pins, ci, T0).next()).as(s.name()).isEmpty();
        }
    }

    @Test
    void aRerunThatPassesClearsTheFailure() {
        Rollout g = gatingCanary(gate(0, false, false));
        check("canary", "c1", "check_suite:1", "completed", "failure");
        check("canary", "c1", "check_suite:1", "completed", "success");
        assertThat(tick(g, T0.plusSeconds(2)).getState()).isEqualTo(ROLLOUT_ROLLING);
    }
}
