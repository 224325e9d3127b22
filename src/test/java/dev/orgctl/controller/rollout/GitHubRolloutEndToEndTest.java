package dev.orgctl.controller.rollout;

import static dev.orgctl.controller.rollout.GitHubRolloutFixture.await;
import static dev.orgctl.controller.rollout.GitHubRolloutFixture.orgctlCommit;
import static dev.orgctl.controller.rollout.GitHubRolloutFixture.orgctlCommits;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.controller.ControllerSettings;
import dev.orgctl.proto.CiCheck;
import dev.orgctl.proto.RepoFailure;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutState;
import dev.orgctl.proto.RolloutWave;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.github.FakeCi;
import dev.orgctl.testing.github.FakeRepo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rollouts on the GitHub backend in direct mode (issue 17): the services of {@code orgctl up} in
 * process, the GitHub fake's CI (a GitHub Actions check suite on every commit that lands, completed
 * after a delay) as the gate's only source of results. Two waves: {@code canary} by name, then the
 * rest ({@code svc-a}, {@code svc-b}).
 */
@Timeout(180)
class GitHubRolloutEndToEndTest {
    private static final List<String> REPOS = List.of("canary", "svc-a", "svc-b");
    private static final List<String> REST = REPOS.subList(1, REPOS.size());
    /** The canary's CI takes this long: long enough to see the gate wait for it. */
    private static final Duration CANARY_CI = Duration.ofSeconds(4);

    static String[] rollout(String wait) {
        return new String[] {"rollout:", "  waves:", "    - select: { names: [canary] }", "    - percent: 100",
            "  gate:", "    wait: " + wait};
    }

    @Test
    void wavesWaitForTheCanarysCheckSuiteAFailurePausesAndAFixSupersedes() throws Exception {
        try (GitHubRolloutFixture f = new GitHubRolloutFixture(GitHubRolloutFixture.yaml(rollout("30s")), REPOS,
                new ControllerSettings.RolloutTiming(Duration.ofMillis(100), Duration.ofSeconds(30)))) {
            FakeCi ci = f.fake.ci();
            FakeRepo canary = f.repo("canary");
            f.passingCi(CANARY_CI);

            // Revision 1: the canary's commit gates wave 2 until its check suite passed.
            String rev1 = f.pushTemplates("one");
            await("rev 1 gating on the canary", () -> f.is(rev1, RolloutState.ROLLOUT_GATING, 0));
            String canary1 = orgctlCommit(canary, rev1).orElseThrow();
            assertThat(ci.suite(canary, canary1).orElseThrow().status()).as("the canary's CI still running")
                    .isNotEqualTo("completed");
            assertThat(REST).as("wave 2 before the canary's CI passed").allMatch(r -> orgctlCommits(f.repo(r), "main", rev1) == 0);
            await("rev 1 completed", () -> {
                assertWave2OnlyAfter(f, canary, canary1, rev1);
                return f.is(rev1, RolloutState.ROLLOUT_COMPLETED, 1);
            });
            FakeCi.Suite suite1 = ci.suite(canary, canary1).orElseThrow();
            CiCheck check = f.store.ci(GitHubRolloutFixture.ORG, "canary", canary1).orElseThrow().getChecksMap()
                    .get("check_suite:" + suite1.id());
            assertThat(check).as("the canary's check suite, from its delivery").isNotNull();
            assertThat(check.getConclusion()).isEqualTo("success");
            assertThat(check.getSource()).isEqualTo("check_suite");
            Rollout done1 = f.rollout(rev1).orElseThrow();
            assertThat(done1.getWavesList()).extracting(RolloutWave::getOutcome).containsExactly("passed", "passed");
            assertThat(f.store.stable(GitHubRolloutFixture.ORG)).contains(rev1);

            // Revision 2 breaks the canary's CI: paused after wave 1, the canary named with its suite's link.
            ci.configure(canary, FakeCi.Result.FAILURE);
            String rev2 = f.pushTemplates("two");
            await("rev 2 paused after wave 1", () -> f.is(rev2, RolloutState.ROLLOUT_PAUSED, 0));
            String canary2 = orgctlCommit(canary, rev2).orElseThrow();
            FakeCi.Suite suite2 = ci.suite(canary, canary2).orElseThrow();
            Rollout paused = f.rollout(rev2).orElseThrow();
            assertThat(paused.getFailuresList()).extracting(RepoFailure::getRepo).containsOnly("canary");
            RepoFailure failure = paused.getFailures(0);
            assertThat(failure.getSha()).isEqualTo(canary2);
            assertThat(failure.getConclusion()).isEqualTo("failure");
            String link = "/" + GitHubRolloutFixture.ORG + "/canary/commit/" + canary2 + "/checks?check_suite_id="
                    + suite2.id();
            assertThat(failure.getUrl()).endsWith(link);
            OrgctlProcess.Result status = f.cli("rollout", "status");
            assertThat(status.exitCode()).as(status.err()).isZero();
            assertThat(status.out()).contains("rollout " + rev2.substring(0, 12) + " of acme: paused")
                    .contains("canary " + canary2.substring(0, 12)).contains(link);
            assertThat(REST).as("wave 2 of a paused revision").allMatch(r -> orgctlCommits(f.repo(r), "main", rev2) == 0);

            // Revision 3 fixes it: it supersedes revision 2 and reaches every repository.
            ci.configure(canary, FakeCi.Result.SUCCESS);
            String rev3 = f.pushTemplates("three");
            await("rev 3 completed", () -> f.is(rev3, RolloutState.ROLLOUT_COMPLETED, 1));
            Rollout superseded = f.rollout(rev2).orElseThrow();
            assertThat(superseded.getState()).isEqualTo(RolloutState.ROLLOUT_SUPERSEDED);
            assertThat(superseded.getSupersededBy()).isEqualTo(rev3);
            assertThat(f.store.stable(GitHubRolloutFixture.ORG)).contains(rev3);
            for (String name : REPOS) {
                FakeRepo r = f.repo(name);
                assertThat(r.file("main", "ROLLOUT.txt")).as(name).contains("rolled out: three\n");
                Map<String, Long> commits = Map.of(rev1, orgctlCommits(r, "main", rev1),
                        rev2, orgctlCommits(r, "main", rev2), rev3, orgctlCommits(r, "main", rev3));
                assertThat(commits).as(name + ": orgctl commits per revision")
                        .isEqualTo(Map.of(rev1, 1L, rev2, name.equals("canary") ? 1L : 0L, rev3, 1L));
            }
        }
    }

    /** While revision {@code rev}'s second wave has a commit, the canary's suite has passed. */
    static void assertWave2OnlyAfter(GitHubRolloutFixture f, FakeRepo canary, String canarySha, String rev) {
        boolean wave2 = REST.stream().anyMatch(r -> orgctlCommits(f.repo(r), "main", rev) > 0);
        if (wave2) {
            FakeCi.Suite suite = f.fake.ci().suite(canary, canarySha).orElseThrow();
            assertThat(suite.conclusion()).as("the canary's CI when wave 2 started").contains("success");
        }
    }
}
