package dev.orgctl.controller.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.orgctl.proto.CiCheck;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.RepoFailure;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import dev.orgctl.proto.RolloutState;
import dev.orgctl.proto.RolloutWave;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RolloutTextTest {
    static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    static final String REV = "3f2a1c9d0e1f" + "a".repeat(28);
    static final String OLD = "1a2b3c4d5e6f" + "b".repeat(28);
    static final String SHA = "0123456789ab" + "c".repeat(28);

    static Timestamp ago(Duration d) {
        Instant t = NOW.minus(d);
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    static List<String> names(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
    }

    /** Three waves on 40 repositories: 2 canaries, 10, then 28. */
    static Rollout.Builder threeWaves() {
        return Rollout.newBuilder().setId(REV).setOrg("acme").setRevision(REV).setPreviousRevision(OLD)
                .setCreatedAt(ago(Duration.ofMinutes(12).plusSeconds(4))).setUpdatedAt(ago(Duration.ofSeconds(30)))
                .addWaves(RolloutWave.newBuilder().setIndex(0).setLabel("names canary-*")
                        .addAllRepos(List.of("canary-api", "canary-web")))
                .addWaves(RolloutWave.newBuilder().setIndex(1).setLabel("25% of the rest").addAllRepos(names("a", 10)))
                .addWaves(RolloutWave.newBuilder().setIndex(2).setLabel("the rest").addAllRepos(names("b", 28)));
    }

    static Rollout gatingWave2() {
        Rollout.Builder b = threeWaves().setState(RolloutState.ROLLOUT_GATING).setWave(1)
                .setReason("wave 2/3 started (10 repositories)");
        b.getWavesBuilder(0).setStartedAt(ago(Duration.ofMinutes(11))).setOutcome("passed");
        b.getWavesBuilder(1).setStartedAt(ago(Duration.ofMinutes(3))).setGateStartedAt(ago(Duration.ofMinutes(1)))
                .setGateDeadline(ago(Duration.ofMinutes(-4)));
        return b.build();
    }

    static RolloutPin pin(String repo, String rollout, String applied, String commit, String outcome) {
        return RolloutPin.newBuilder().setOrg("acme").setRepo(repo).setRevision(REV).setRolloutId(rollout)
                .setAppliedRevision(applied).setCommit(commit).setOutcome(outcome).build();
    }

    static CiRecord ci(String repo, String status, String conclusion) {
        return CiRecord.newBuilder().setOrg("acme").setRepo(repo).setSha(SHA).putChecks("check_suite:1",
                CiCheck.newBuilder().setName("build").setStatus(status).setConclusion(conclusion)
                        .setUrl("https://github.example/acme/" + repo + "/actions/runs/1").setSource("check_suite")
                        .build()).build();
    }

    @Test
    void theLineOfAGatingRolloutCountsTheRepositoriesThroughAndTheGateLeft() {
        assertThat(RolloutText.line(gatingWave2(), NOW))
                .isEqualTo("rollout acme 3f2a1c9d0e1f: wave 2/3 gating (2 of 40 repositories passed, 0 failed; "
                        + "gate 4m00s left)");
        Rollout late = gatingWave2().toBuilder().setWaves(1, gatingWave2().getWaves(1).toBuilder()
                .setGateDeadline(ago(Duration.ofMinutes(1)))).build();
        assertThat(RolloutText.line(late, NOW)).endsWith("; gate deadline passed)");
    }

    @Test
    void thePausedLineNamesTheFirstFailureWithItsLink() {
        Rollout.Builder b = threeWaves().setState(RolloutState.ROLLOUT_PAUSED).setWave(0).setReason("wave 1 gate failed")
                .addFailures(RepoFailure.newBuilder().setRepo("canary-api").setSha(SHA).setConclusion("failure")
                        .setUrl("https://github.example/acme/canary-api/actions/runs/7"));
        assertThat(RolloutText.line(b.build(), NOW)).isEqualTo("rollout acme 3f2a1c9d0e1f: paused after wave 1/3: "
                + "1 failed (canary-api 0123456789ab: failure https://github.example/acme/canary-api/actions/runs/7)");
        b.addFailures(RepoFailure.newBuilder().setRepo("canary-web").setConclusion("no_result"));
        assertThat(RolloutText.line(b.build(), NOW)).contains(": 2 failed (canary-api ").endsWith(", and 1 more)")
                .doesNotContain("\n");
    }

    @Test
    void endedRolloutsSayHowTheyEnded() {
        Rollout done = threeWaves().setState(RolloutState.ROLLOUT_COMPLETED).setWave(2).build();
        assertThat(RolloutText.line(done, NOW))
                .isEqualTo("rollout acme 3f2a1c9d0e1f: completed (3 waves, 40 repositories) 30s ago");
        Rollout superseded = threeWaves().setState(RolloutState.ROLLOUT_SUPERSEDED).setWave(1)
                .setSupersededBy("99887766554433" + "d".repeat(26)).build();
        assertThat(RolloutText.line(superseded, NOW))
                .isEqualTo("rollout acme 3f2a1c9d0e1f: superseded by 998877665544 at wave 2/3");
        Rollout aborted = threeWaves().setState(RolloutState.ROLLOUT_ABORTED).setWave(1)
                .setReason("aborted by cli:alice").build();
        assertThat(RolloutText.line(aborted, NOW))
                .isEqualTo("rollout acme 3f2a1c9d0e1f: aborted at wave 2/3 (aborted by cli:alice)");
        Rollout revert = Rollout.newBuilder().setId("revert-" + REV).setOrg("acme").setRevision(OLD)
                .setRevertOf(REV).setState(RolloutState.ROLLOUT_ROLLING)
                .addWaves(RolloutWave.newBuilder().setLabel("all").addRepos("canary-api")).build();
        assertThat(RolloutText.line(revert, NOW)).isEqualTo("rollout acme revert-3f2a1c9d0e1f (reverts 3f2a1c9d0e1f): "
                + "wave 1/1 starting (0 of 1 repository passed, 0 failed)");
        Rollout empty = Rollout.newBuilder().setId(REV).setOrg("acme").setState(RolloutState.ROLLOUT_COMPLETED).build();
        assertThat(RolloutText.line(empty, NOW)).isEqualTo("rollout acme 3f2a1c9d0e1f: completed (no repositories)");
    }

    @Test
    void theStatusListsEachWaveWithItsRepositoriesPerState() {
        Map<String, RolloutPin> pins = new HashMap<>();
        pins.put("canary-api", pin("canary-api", REV, REV, SHA, "committed"));
        pins.put("canary-web", pin("canary-web", REV, REV, "", "no_change"));
        pins.put("a0", pin("a0", REV, REV, SHA, "committed"));
        pins.put("a1", pin("a1", REV, REV, SHA, "committed"));
        pins.put("a2", pin("a2", REV, REV, SHA, "committed"));
        pins.put("a3", pin("a3", REV, "", "", "failed").toBuilder().setError("template ci: line 3: nope").build());
        pins.put("a4", pin("a4", "revert-" + REV, OLD, SHA, "committed"));
        pins.put("a5", pin("a5", REV, OLD, "", "committed")); // its run for REV has not ended
        pins.put("a6", pin("a6", REV, REV, SHA, "proposed").toBuilder().setPullNumber(12).setAwaitMerge(true).build());
        Map<String, CiRecord> ci = Map.of("canary-api", ci("canary-api", "completed", "success"),
                "a0", ci("a0", "completed", "failure"), "a1", ci("a1", "in_progress", ""),
                "a6", ci("a6", "completed", "success"));

        String text = RolloutText.status(gatingWave2(), pins, ci, NOW);

        assertThat(text).startsWith(String.join("\n",
                "rollout 3f2a1c9d0e1f of acme: gating, wave 2/3",
                "  revision " + REV + " (replacing 1a2b3c4d5e6f)",
                "  reason: wave 2/3 started (10 repositories)",
                "  created 12m04s ago, updated 30s ago",
                "",
                "wave 1/3: names canary-*, 2 repositories, passed",
                "  CI passed (1): canary-api 0123456789ab",
                "  no change (1): canary-web",
                "",
                "wave 2/3: 25% of the rest, 10 repositories, gating, deadline in 4m00s",
                "  regeneration failed (1): a3 (template ci: line 3: nope)",
                "  CI failed (1): a0 0123456789ab",
                "  CI running (1): a1 0123456789ab",
                "  no CI result yet (1): a2 0123456789ab",
                "  waiting for the merge (1): a6 #12 0123456789ab",
                "  regenerating (1): a5",
                "  taken over by another rollout (1): a4 (revert-3f2a1c9d0e1f)",
                "  waiting (3): a7, a8, a9",
                "",
                "wave 3/3: the rest, 28 repositories, waiting",
                "  waiting (28): b0, b1, "));
        assertThat(text).doesNotContain("failures");
    }

    @Test
    void aRollingWaveCountsTheRunsThatEndedAndAPausedOneListsItsFailures() {
        Rollout.Builder b = threeWaves().setState(RolloutState.ROLLOUT_ROLLING).setWave(0);
        b.getWavesBuilder(0).setStartedAt(ago(Duration.ofSeconds(20)));
        Map<String, RolloutPin> pins = Map.of("canary-api", pin("canary-api", REV, REV, SHA, "committed"),
                "canary-web", pin("canary-web", REV, "", "", ""));
        assertThat(RolloutText.status(b.build(), pins, Map.of(), NOW))
                .contains("wave 1/3: names canary-*, 2 repositories, rolling 1/2\n")
                .contains("wave 2/3: 25% of the rest, 10 repositories, waiting\n");

        Rollout paused = b.setState(RolloutState.ROLLOUT_PAUSED).setActor("replica-2")
                .addFailures(RepoFailure.newBuilder().setRepo("canary-api").setSha(SHA).setConclusion("failure")
                        .setName("build").setUrl("https://github.example/run/7")).build();
        assertThat(RolloutText.status(paused, pins, Map.of("canary-api", ci("canary-api", "completed", "failure")), NOW))
                .contains("updated 30s ago by replica-2\n")
                .contains("wave 1/3: names canary-*, 2 repositories, failed\n")
                .contains("  CI failed (1): canary-api 0123456789ab\n")
                .endsWith("\nfailures (wave 1/3):\n  canary-api 0123456789ab: failure (build) https://github.example/run/7\n");
    }

    @Test
    void whatARecordCarriesNeverBreaksTheLineNorTheReport() {
        Rollout paused = threeWaves().setState(RolloutState.ROLLOUT_PAUSED).setWave(0)
                .setReason("wave 1 gate timed out\nno result for 1 repository").build();
        assertThat(RolloutText.line(paused, NOW)).isEqualTo("rollout acme 3f2a1c9d0e1f: paused after wave 1/3: "
                + "wave 1 gate timed out no result for 1 repository");
        // A record whose wave points past the last one (a completed rollout) still reads as its last wave.
        Rollout past = threeWaves().setState(RolloutState.ROLLOUT_ABORTED).setWave(3).build();
        assertThat(RolloutText.line(past, NOW)).isEqualTo("rollout acme 3f2a1c9d0e1f: aborted at wave 3/3");
        assertThat(RolloutText.status(past, Map.of(), Map.of(), NOW)).startsWith(
                "rollout 3f2a1c9d0e1f of acme: aborted, wave 3/3\n").contains("wave 3/3: the rest, 28 repositories, "
                + "skipped\n");
    }

    @Test
    void aCheckIsFailedPassedOrWaiting() {
        assertThat(RepoStates.ci(null)).isEqualTo(RepoStates.Ci.NONE);
        assertThat(RepoStates.ci(ci("x", "completed", "neutral"))).isEqualTo(RepoStates.Ci.PASSED);
        assertThat(RepoStates.ci(ci("x", "queued", ""))).isEqualTo(RepoStates.Ci.RUNNING);
        for (String failing : List.of("failure", "timed_out", "cancelled", "action_required", "startup_failure")) {
            assertThat(RepoStates.ci(ci("x", "completed", failing))).as(failing).isEqualTo(RepoStates.Ci.FAILED);
        }
        // Commit statuses: a final state, or pending.
        assertThat(RepoStates.ci(ci("x", "", "error"))).isEqualTo(RepoStates.Ci.FAILED);
        assertThat(RepoStates.ci(ci("x", "", "pending"))).isEqualTo(RepoStates.Ci.RUNNING);
        assertThat(RepoStates.ci(ci("x", "", "success"))).isEqualTo(RepoStates.Ci.PASSED);
        // One failed check fails the commit even while another runs.
        CiRecord mixed = ci("x", "in_progress", "").toBuilder().putChecks("workflow_run:2",
                CiCheck.newBuilder().setStatus("completed").setConclusion("failure").build()).build();
        assertThat(RepoStates.ci(mixed)).isEqualTo(RepoStates.Ci.FAILED);
    }
}
