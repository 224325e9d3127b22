package dev.orgctl.controller.rollout;

import static dev.orgctl.controller.rollout.GitHubRolloutFixture.await;
import static dev.orgctl.controller.rollout.GitHubRolloutFixture.orgctlCommit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.controller.ControllerSettings;
import dev.orgctl.proto.CiCheck;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.RepoFailure;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import dev.orgctl.proto.RolloutState;
import dev.orgctl.proto.RolloutWave;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.github.FakeCi;
import dev.orgctl.testing.github.FakePull;
import dev.orgctl.testing.github.FakeRepo;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rollouts on the GitHub backend (issue 17) where the gate's results do not come as {@code
 * check_suite} deliveries: polled from GitHub's REST API when the fake sends no CI webhooks, and in
 * pull-request mode with auto-merge, where a wave waits for its pull requests' checks and merges.
 * Same org and waves as {@link GitHubRolloutEndToEndTest}: {@code canary}, then the rest.
 */
@Timeout(180)
class GitHubRolloutPollAndPullTest {
    private static final List<String> REPOS = List.of("canary", "svc-a", "svc-b");
    private static final List<String> REST = REPOS.subList(1, REPOS.size());
    private static final Duration CANARY_CI = Duration.ofSeconds(4);

    @Test
    void withoutCiDeliveriesTheGatePassesOnPolledCheckSuites() throws Exception {
        // A gate far longer than the test: only polls can pass it, not the deadline.
        try (GitHubRolloutFixture f = new GitHubRolloutFixture(
                GitHubRolloutFixture.yaml(GitHubRolloutEndToEndTest.rollout("10m")), REPOS,
                new ControllerSettings.RolloutTiming(Duration.ofMillis(100), Duration.ofMillis(300)))) {
            FakeCi ci = f.fake.ci();
            ci.sendWebhooks(false);
            FakeRepo canary = f.repo("canary");
            f.passingCi(CANARY_CI);

            String rev = f.pushTemplates("polled");
            await("gating on the canary", () -> f.is(rev, RolloutState.ROLLOUT_GATING, 0));
            String canarySha = orgctlCommit(canary, rev).orElseThrow();
            await("completed from polls", () -> {
                GitHubRolloutEndToEndTest.assertWave2OnlyAfter(f, canary, canarySha, rev);
                return f.is(rev, RolloutState.ROLLOUT_COMPLETED, 1);
            });
            Rollout done = f.rollout(rev).orElseThrow();
            assertThat(done.getWavesList()).extracting(RolloutWave::getOutcome).containsExactly("passed", "passed");
            for (String name : REPOS) {
                String sha = orgctlCommit(f.repo(name), rev).orElseThrow();
                long suite = ci.suite(f.repo(name), sha).orElseThrow().id();
                CiRecord record = f.store.ci(GitHubRolloutFixture.ORG, name, sha).orElseThrow();
                CiCheck check = record.getChecksMap().get("check_suite:" + suite);
                assertThat(check).as(name + ": " + record).isNotNull();
                assertThat(check.getSource()).isEqualTo("poll");
                assertThat(check.getConclusion()).isEqualTo("success");
                assertThat(record.getChecksMap().keySet()).as("no delivery reached orgctl")
                        .allMatch(k -> record.getChecksMap().get(k).getSource().equals("poll"));
            }
        }
    }

    @Test
    void pullRequestModeWaitsForEachWavesChecksAndAutoMerge() throws Exception {
        try (GitHubRolloutFixture f = new GitHubRolloutFixture(pullRequestMode("30s"), REPOS,
                new ControllerSettings.RolloutTiming(Duration.ofMillis(100), Duration.ofSeconds(30)))) {
            FakeCi ci = f.fake.ci();
            FakeRepo canary = f.repo("canary");
            // Longer than in direct mode: the pull request is shaped (labels, reviewers, auto-merge) after it opens.
            f.passingCi(Duration.ofSeconds(8));

            // Revision 1: the canary's pull request, shaped as configured, gates wave 2 until CI merged it.
            String rev1 = f.pushTemplates("one");
            // orgctl opens it, then adds labels, asks for reviews and enables auto-merge, one call each.
            await("the canary's pull request, shaped", () -> canary.pulls().stream().anyMatch(p -> !p.labels().isEmpty()
                    && !p.requestedReviewers().isEmpty() && !p.requestedTeams().isEmpty() && p.autoMergeMethod() != null));
            FakePull pull = canary.pulls().get(0);
            assertThat(pull.labels()).containsExactlyInAnyOrder("orgctl", "rollout");
            assertThat(pull.requestedReviewers()).containsExactly("alice");
            assertThat(pull.requestedTeams()).containsExactly("platform");
            await("gating on the canary's pull request", () -> f.is(rev1, RolloutState.ROLLOUT_GATING, 0));
            assertThat(pull.merged()).as("merged before its CI ended").isFalse();
            assertThat(pull.autoMergeMethod()).isEqualTo("SQUASH");
            RolloutPin pin = f.store.pin(GitHubRolloutFixture.ORG, "canary").orElseThrow();
            assertThat(pin.getAwaitMerge()).as(pin.toString()).isTrue();
            assertThat(pin.getPullNumber()).isEqualTo(pull.number());
            assertThat(REST).as("wave 2 before the canary merged").allMatch(r -> f.repo(r).pulls().isEmpty());
            await("rev 1 completed", () -> {
                boolean wave2 = REST.stream().anyMatch(r -> !f.repo(r).pulls().isEmpty());
                assertThat(!wave2 || pull.merged()).as("wave 2 opened before the canary merged").isTrue();
                return f.is(rev1, RolloutState.ROLLOUT_COMPLETED, 1);
            });
            for (String name : REPOS) {
                FakeRepo r = f.repo(name);
                assertThat(r.pulls()).as(name).singleElement().satisfies(p -> assertThat(p.merged()).isTrue());
                assertThat(r.file("main", "ROLLOUT.txt")).as(name).contains("rolled out: one\n");
            }
            assertThat(f.store.ci(GitHubRolloutFixture.ORG, "canary", pin.getCommit()).map(CiRecord::getMerged))
                    .as("the merge, from its pull_request delivery").contains(true);

            // Revision 2 fails the canary's CI: its pull request stays open, the rollout pauses after wave 1.
            ci.configure(canary, FakeCi.Result.FAILURE);
            String rev2 = f.pushTemplates("two");
            await("rev 2 paused after wave 1", () -> f.is(rev2, RolloutState.ROLLOUT_PAUSED, 0));
            Rollout paused = f.rollout(rev2).orElseThrow();
            assertThat(paused.getFailuresList()).extracting(RepoFailure::getRepo).containsOnly("canary");
            Optional<FakePull> open = canary.openPulls().stream().findFirst();
            assertThat(open).as("the failing pull request").isPresent();
            assertThat(open.get().merged()).isFalse();
            assertThat(paused.getFailures(0).getSha()).isEqualTo(canary.requireHead(open.get().head()));
            assertThat(canary.file("main", "ROLLOUT.txt")).contains("rolled out: one\n");
            assertThat(REST).as("wave 2 of a paused revision").allMatch(r -> f.repo(r).openPulls().isEmpty());

            // Revision 3: the canary's CI is an external service's commit status, which GitHub's auto-merge
            // (as the fake models it) does not wait for: CI passes, the pull request stays open, and the gate
            // holds wave 2 for the merge until its deadline.
            ci.remove(canary);
            String rev3 = f.pushTemplates("three", pullRequestMode("15s"));
            await("the canary's run of rev 3", () -> f.store.pin(GitHubRolloutFixture.ORG, "canary")
                    .filter(p -> p.getAppliedRevision().equals(rev3) && !p.getCommit().isEmpty()).isPresent());
            String head3 = f.store.pin(GitHubRolloutFixture.ORG, "canary").orElseThrow().getCommit();
            ci.setStatus(canary, head3, "ci/external", "success", "https://ci.example.test/canary/3");
            await("the status recorded", () -> f.store.ci(GitHubRolloutFixture.ORG, "canary", head3)
                    .filter(c -> c.getChecksMap().containsKey("status:ci/external")).isPresent());
            OrgctlProcess.Result status = f.cli("rollout", "status");
            assertThat(status.exitCode()).as(status.err()).isZero();
            assertThat(status.out()).contains("waiting for the merge (1): canary");
            assertThat(f.is(rev3, RolloutState.ROLLOUT_GATING, 0)).as("CI passed, not merged: still gating "
                    + f.rollout(rev3)).isTrue();
            assertThat(REST).as("wave 2 before the canary merged").allMatch(r -> f.repo(r).openPulls().isEmpty());
            await("rev 3 completed", () -> f.is(rev3, RolloutState.ROLLOUT_COMPLETED, 1));
            assertThat(f.rollout(rev3).orElseThrow().getWavesList()).extracting(RolloutWave::getOutcome)
                    .containsExactly("passed_on_timeout", "passed");
            assertThat(canary.openPulls()).as("the canary's pull request, never merged").hasSize(1);
        }
    }

    /** Pull-request mode with labels, reviewers and auto-merge, and the two waves with a gate of {@code wait}. */
    private static String pullRequestMode(String wait) {
        return String.join("\n", "version: 1", "mode: pull-request", "pull_request:",
                "  labels: [orgctl, rollout]", "  reviewers: [alice]", "  team_reviewers: [platform]",
                "  auto_merge: squash", String.join("\n", GitHubRolloutEndToEndTest.rollout(wait))) + "\n";
    }
}
