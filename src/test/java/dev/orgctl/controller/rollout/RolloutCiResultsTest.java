package dev.orgctl.controller.rollout;

import static dev.orgctl.controller.rollout.RolloutKv.instant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.orgctl.controller.CircuitBreaker;
import dev.orgctl.controller.OrgFixture;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.proto.CiCheck;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.RepoFailure;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import dev.orgctl.proto.RolloutState;
import dev.orgctl.proto.RolloutWave;
import dev.orgctl.testing.WebhookSchemas;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CI results reaching a rollout's gate at awkward times (issue 17, docs/rollout.md "CI results"):
 * before orgctl recorded the commit they are about, after the gate's deadline, twice, or never.
 * orgctl runs in process on the git backend; the CI is the test, sending signed, schema-valid
 * {@code check_suite} and {@code status} deliveries to the gateway for the commits it sees orgctl
 * write. Three repositories in two waves ({@code svc-01}, {@code svc-02}, then {@code svc-03}), with
 * a gate of a few seconds.
 */
@Timeout(120)
class RolloutCiResultsTest {
    private static final String ORG = OrgFixture.ORG;
    private static final CircuitBreaker.Settings LOOSE = new CircuitBreaker.Settings(50, Duration.ofMinutes(10));
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static WebhookSchemas schemas;

    private OrgFixture f;
    private RolloutKv kv;
    private CiDeliveries ci;

    @BeforeAll
    static void loadSchemas() {
        schemas = WebhookSchemas.load();
    }

    @AfterEach
    void close() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void aResultThatArrivesBeforeOrgctlRecordedItsCommitIsFoundByTheGate() throws Exception {
        // A long wait: the rollout can only pause this early because it found the failure.
        start("30s", "0", "proceed");
        // A result for a person's commit is not kept: only orgctl's commits gate a wave (checked below,
        // once later deliveries were recorded). orgctl's own are kept before any pin names them.
        RevCommit personal = f.log(repo("svc-03")).get(0);
        ci.checkSuiteCompleted("svc-03", personal, "success");

        // The failure is sent the moment orgctl notes the commit as its own (ORGCTL_COMMITS, written
        // right after the ref moved and before the run is recorded on the pin), from the watch's thread.
        CompletableFuture<CiDeliveries.Sent> failed = new CompletableFuture<>();
        AtomicReference<RevCommit> canary = new AtomicReference<>();
        String rev;
        try (OwnCommitWatch watch = OwnCommitWatch.start(f.runtime.connection(), (sha, own) -> {
            if (own.getRepo().equals("svc-01") && !failed.isDone()) {
                try {
                    RevCommit c = f.log(repo("svc-01")).stream().filter(x -> x.name().equals(sha)).findFirst()
                            .orElseThrow();
                    canary.set(c);
                    failed.complete(ci.checkSuiteCompleted("svc-01", c, "failure"));
                } catch (RuntimeException | AssertionError e) {
                    failed.completeExceptionally(e);
                }
            }
        })) {
            rev = pushTemplates("race");
            failed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        ci.checkSuiteCompleted("svc-02", awaitCommit("svc-02", rev), "success");

        Rollout paused = kv.await(ORG, rev, "paused by the canary's failure", WAIT,
                r -> r.getState() == RolloutState.ROLLOUT_PAUSED);
        String sha = canary.get().name();
        assertThat(paused.getFailuresList()).extracting(RepoFailure::getRepo, RepoFailure::getSha,
                RepoFailure::getConclusion, RepoFailure::getUrl)
                .containsExactly(tuple("svc-01", sha, "failure", failed.get().url()));
        assertThat(paused.getWave()).isZero();
        assertThat(paused.getWaves(1).hasStartedAt()).as("the second wave never started").isFalse();
        assertThat(instant(paused.getUpdatedAt())).as("paused by the result, not at the deadline")
                .isBefore(instant(paused.getWaves(0).getGateDeadline()));
        assertThat(RolloutTemplates.orgctlCommits(f, repo("svc-03"), rev)).isEmpty();
        assertThat(kv.ci(ORG, "svc-03", personal.name())).as("the result of a person's commit").isEmpty();
        // A re-run of the suite that passes replaces the failure; the gate that paused stays paused.
        CiDeliveries.Sent rerun = ci.sameCheckAgain("svc-01", canary.get(), "success", failed.get());
        awaitCi("svc-01", sha, "the re-run's success", c -> c.getChecksOrThrow("check_suite:" + rerun.checkId())
                .getConclusion().equals("success"));
        Awaitility.await("the rollout stays paused").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> kv.rollout(ORG, rev).orElseThrow().getState() == RolloutState.ROLLOUT_PAUSED);
        // Which came first is up to the machine's timing; both orders must end as above.
        long ciWrite = kv.revision(RolloutKv.ciKey(ORG, "svc-01", sha));
        long pinWrite = kv.revision(RolloutKv.pinKey(ORG, "svc-01"));
        System.out.println("race: the result was stored " + (ciWrite < pinWrite ? "before" : "after")
                + " the pin recorded the commit");
    }

    @Test
    void aSecondRunOfTheRevisionDuringTheGateDoesNotHideTheCommitFromTheGate() {
        start("30s", "0", "proceed");
        String rev = pushTemplates("rerun");
        RevCommit canary = awaitCommit("svc-01", rev);
        RevCommit other = awaitCommit("svc-02", rev);
        kv.await(ORG, rev, "the first wave gating", WAIT, r -> r.getState() == RolloutState.ROLLOUT_GATING);
        RolloutPin recorded = kv.pin(ORG, "svc-01").orElseThrow();
        assertThat(recorded.getCommit()).isEqualTo(canary.name());

        // Anything that runs the repository again meanwhile renders the same revision and writes nothing.
        ci.repositoryPrivatized("svc-01");
        RolloutPin again = awaitPin("svc-01", "the second run recorded", p -> !p.getAt().equals(recorded.getAt()));
        assertThat(RolloutTemplates.orgctlCommits(f, repo("svc-01"), rev)).hasSize(1);
        assertThat(again.getCommit()).as("the pin still names the commit orgctl wrote for the revision: " + again)
                .isEqualTo(canary.name());

        CiDeliveries.Sent failed = ci.checkSuiteCompleted("svc-01", canary, "failure");
        ci.checkSuiteCompleted("svc-02", other, "success");
        Rollout decided = kv.await(ORG, rev, "the first wave's gate decided", WAIT,
                r -> r.getState() != RolloutState.ROLLOUT_GATING);
        assertThat(decided.getState()).as(decided.toString()).isEqualTo(RolloutState.ROLLOUT_PAUSED);
        assertThat(decided.getFailuresList()).extracting(RepoFailure::getRepo, RepoFailure::getSha,
                RepoFailure::getUrl).containsExactly(tuple("svc-01", canary.name(), failed.url()));
    }

    @Test
    void aLateResultIsRecordedButDoesNotUnpassAWaveThatPassedOnTimeout() {
        start("3s", "0", "proceed");
        String rev = pushTemplates("late");
        RevCommit canary = canaryPendingForever(rev);

        Rollout next = kv.await(ORG, rev, "the first wave's gate decided", WAIT, r -> r.getWaves(0).hasEndedAt());
        RolloutWave first = next.getWaves(0);
        assertThat(first.getOutcome()).isEqualTo("passed_on_timeout");
        assertThat(instant(first.getEndedAt())).isAfterOrEqualTo(instant(first.getGateDeadline()));

        CiDeliveries.Sent late = ci.checkSuiteCompleted("svc-01", canary, "failure");
        CiRecord record = awaitCi("svc-01", canary.name(), "the late failure",
                c -> c.getChecksMap().containsKey("check_suite:" + late.checkId()));
        CiCheck check = record.getChecksOrThrow("check_suite:" + late.checkId());
        assertThat(check.getConclusion()).isEqualTo("failure");
        assertThat(check.getUrl()).isEqualTo(late.url());

        Rollout done = kv.await(ORG, rev, "completed", WAIT, r -> r.getState() == RolloutState.ROLLOUT_COMPLETED);
        assertThat(done.getWaves(0).getOutcome()).isEqualTo("passed_on_timeout");
        assertThat(done.getFailuresList()).isEmpty();
        assertThat(kv.stable(ORG)).contains(rev);
        assertThat(RolloutTemplates.orgctlCommits(f, repo("svc-03"), rev)).hasSize(1);
    }

    @Test
    void theSameResultDeliveredTwiceCountsOnce() {
        // One failure is tolerated: counted twice, it would pause the rollout.
        start("3s", "1", "proceed");
        String rev = pushTemplates("twice");
        RevCommit canary = awaitCommit("svc-01", rev);
        CiDeliveries.Sent first = ci.checkSuiteCompleted("svc-01", canary, "failure");
        ci.redeliver("svc-01", canary, "failure", first);
        ci.sameCheckAgain("svc-01", canary, "failure", first);
        ci.checkSuiteCompleted("svc-02", awaitCommit("svc-02", rev), "success");

        Rollout done = kv.await(ORG, rev, "completed", WAIT, r -> r.getState() != RolloutState.ROLLOUT_ROLLING
                && r.getState() != RolloutState.ROLLOUT_GATING);
        assertThat(done.getState()).as(done.toString()).isEqualTo(RolloutState.ROLLOUT_COMPLETED);
        assertThat(done.getWaves(0).getOutcome()).startsWith("passed");
        CiRecord record = kv.ci(ORG, "svc-01", canary.name()).orElseThrow();
        assertThat(record.getChecksMap()).containsOnlyKeys("check_suite:" + first.checkId());
    }

    @Test
    void withNoCiAtAllEveryWavePassesAfterTheWait() {
        // on_timeout pause applies to results that never completed, not to repositories without CI.
        start("3s", "0", "pause");
        String rev = pushTemplates("no-ci");
        Rollout done = kv.await(ORG, rev, "completed", WAIT, r -> r.getState() != RolloutState.ROLLOUT_ROLLING
                && r.getState() != RolloutState.ROLLOUT_GATING);
        assertThat(done.getState()).as(done.toString()).isEqualTo(RolloutState.ROLLOUT_COMPLETED);
        for (RolloutWave w : done.getWavesList()) {
            assertThat(w.getOutcome()).as("wave " + w.getIndex()).isEqualTo("passed");
            assertThat(instant(w.getEndedAt())).as("wave " + w.getIndex() + " waited the whole gate")
                    .isAfterOrEqualTo(instant(w.getGateDeadline()));
        }
        assertThat(kv.stable(ORG)).contains(rev);
    }

    @Test
    void aResultThatNeverCompletesPausesAtTheDeadlineWithOnTimeoutPause() {
        start("3s", "0", "pause");
        String rev = pushTemplates("never");
        RevCommit canary = canaryPendingForever(rev);

        Rollout paused = kv.await(ORG, rev, "paused", WAIT, r -> r.getState() != RolloutState.ROLLOUT_ROLLING
                && r.getState() != RolloutState.ROLLOUT_GATING);
        assertThat(paused.getState()).as(paused.toString()).isEqualTo(RolloutState.ROLLOUT_PAUSED);
        assertThat(paused.getFailuresList()).extracting(RepoFailure::getRepo, RepoFailure::getSha,
                RepoFailure::getConclusion).containsExactly(tuple("svc-01", canary.name(), "no_result"));
        assertThat(instant(paused.getUpdatedAt())).isAfterOrEqualTo(instant(paused.getWaves(0).getGateDeadline()));
        assertThat(paused.getWaves(1).hasStartedAt()).isFalse();
        assertThat(RolloutTemplates.orgctlCommits(f, repo("svc-03"), rev)).isEmpty();
    }

    // ---- the org and its CI

    private void start(String wait, String maxFailures, String onTimeout) {
        f = OrgFixture.start(3, LOOSE, RolloutTemplates.files("initial",
                "rollout:",
                "  waves:",
                "    - select: { names: [svc-01, svc-02] }",
                "    - percent: 100",
                "  gate:",
                "    wait: " + wait,
                "    max_failures: " + maxFailures,
                "    on_timeout: " + onTimeout));
        kv = new RolloutKv(f.runtime.connection());
        ci = new CiDeliveries(ORG, f.started.gateway().url().resolve("/webhooks/github"), OrgFixture.SECRET,
                schemas);
    }

    private String pushTemplates(String marker) {
        return f.pushGit(f.templates, GitTestRepos.files("templates/base/" + RolloutTemplates.FILE,
                "rolled out: " + marker + "\n"), "rollout test: " + marker);
    }

    /** svc-01's CI starts and never ends (a pending status); svc-02's passes. Returns svc-01's commit. */
    private RevCommit canaryPendingForever(String rev) {
        RevCommit canary = awaitCommit("svc-01", rev);
        ci.status("svc-01", canary, "ci/build", "pending");
        ci.checkSuiteCompleted("svc-02", awaitCommit("svc-02", rev), "success");
        return canary;
    }

    private RepoRef repo(String name) {
        return f.targets.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    private RevCommit awaitCommit(String name, String rev) {
        AtomicReference<RevCommit> found = new AtomicReference<>();
        Awaitility.await("orgctl's commit of " + rev + " in " + name).atMost(WAIT).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    Optional<RevCommit> c = RolloutTemplates.orgctlCommit(f, repo(name), rev);
                    c.ifPresent(found::set);
                    return c.isPresent();
                });
        return found.get();
    }

    private RolloutPin awaitPin(String repo, String what, Predicate<RolloutPin> cond) {
        AtomicReference<RolloutPin> found = new AtomicReference<>();
        Awaitility.await("pin of " + repo + ": " + what).atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    Optional<RolloutPin> p = kv.pin(ORG, repo);
                    p.ifPresent(found::set);
                    return p.isPresent() && cond.test(p.get());
                });
        return found.get();
    }

    private CiRecord awaitCi(String repo, String sha, String what, Predicate<CiRecord> cond) {
        AtomicReference<CiRecord> found = new AtomicReference<>();
        Awaitility.await("CI record of " + repo + "@" + sha + ": " + what).atMost(WAIT)
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    Optional<CiRecord> c = kv.ci(ORG, repo, sha);
                    c.ifPresent(found::set);
                    return c.isPresent() && cond.test(c.get());
                });
        return found.get();
    }
}
