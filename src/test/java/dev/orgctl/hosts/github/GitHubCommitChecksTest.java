package dev.orgctl.hosts.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orgctl.config.GitHubSettings;
import dev.orgctl.hosts.CommitChecks;
import dev.orgctl.hosts.CommitChecks.Check;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.regen.RegenExecutor;
import dev.orgctl.regen.RegenPlanner;
import dev.orgctl.regen.RegenResult;
import dev.orgctl.regen.RunContext;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.testing.WebhookSchemas;
import dev.orgctl.testing.github.AppKeys;
import dev.orgctl.testing.github.FakeCi;
import dev.orgctl.testing.github.FakeDelivery;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakePull;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import dev.orgctl.testing.github.RepoSpec;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a rollout's gate reads from GitHub over real HTTP against the fake: a commit's check suites
 * and commit statuses as {@link CommitChecks}, conditional re-polls, and whether a pull request
 * with auto-merge was merged once its CI passed.
 */
class GitHubCommitChecksTest {
    private static final Person ALICE = Person.of("alice");
    private static final RepoRef WEB = new RepoRef("acme", "web");
    private GitHubFake fake;
    private FakeOrg acme;
    private FakeRepo web;
    private GitHubHost host;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
        acme = fake.createOrg("acme");
        web = acme.createRepo("web");
        host = new GitHubHost(TestClients.pat(fake, fake.createToken("orgctl", "repo", "workflow")));
    }

    @AfterEach
    void stop() {
        host.close();
        fake.close();
    }

    private String push(FakeRepo repo, String text) {
        return repo.push("main", ALICE, "edit", Map.of("README.md", text));
    }

    @Test
    void aCommitWithoutCiIsPresentWithNoChecksAndAnUnknownCommitIsAbsent() {
        String sha = push(web, "hi\n");

        assertThat(host.commitChecks(WEB, sha)).contains(new CommitChecks(sha, List.of()));
        assertThat(host.commitChecks(WEB, "0".repeat(40))).isEmpty();
        assertThat(host.commitChecks(new RepoRef("acme", "nope"), sha)).isEmpty();
    }

    @Test
    void checkSuitesAreKeyedByIdNamedAfterTheirAppAndLinkedToTheCommitsChecks() {
        fake.ci().configure(web, FakeCi.Result.FAILURE);
        String failed = push(web, "1\n");
        fake.ci().configure(web, FakeCi.Result.PENDING_FOREVER);
        String running = push(web, "2\n");
        fake.ci().awaitCompletions(Duration.ofSeconds(10));
        long failedId = fake.ci().suite(web, failed).orElseThrow().id();
        long runningId = fake.ci().suite(web, running).orElseThrow().id();

        assertThat(host.commitChecks(WEB, failed).orElseThrow().checks()).containsExactly(new Check(
                "check_suite:" + failedId, "GitHub Actions", "completed", "failure",
                fake.url() + "/acme/web/commit/" + failed + "/checks?check_suite_id=" + failedId));
        assertThat(host.commitChecks(WEB, running).orElseThrow().checks()).containsExactly(new Check(
                "check_suite:" + runningId, "GitHub Actions", "in_progress", "",
                fake.url() + "/acme/web/commit/" + running + "/checks?check_suite_id=" + runningId));
    }

    @Test
    void aSuiteThatNeverStartedAndHasNoRunIsNoCheck() {
        fake.ci().configure(web, FakeCi.Result.IDLE_APP);
        String sha = push(web, "hi\n");

        assertThat(fake.ci().suite(web, sha).orElseThrow().status()).isEqualTo("queued");
        assertThat(host.commitChecks(WEB, sha)).contains(new CommitChecks(sha, List.of()));
    }

    @Test
    void commitStatusesMapToChecksPerContextEveryPageOfThem() {
        String sha = push(web, "hi\n");
        fake.ci().setStatus(web, sha, "ci/lint", "pending", "https://ci.example.com/lint");
        fake.ci().setStatus(web, sha, "ci/test", "success", "https://ci.example.com/test");
        fake.ci().setStatus(web, sha, "ci/build", "failure", null);
        fake.ci().setStatus(web, sha, "ci/deploy", "error", "https://ci.example.com/deploy");
        fake.ci().setStatus(web, sha, "ci/test", "failure", "https://ci.example.com/test/2"); // replaces the success
        for (int i = 0; i < 100; i++) {
            fake.ci().setStatus(web, sha, "extra/" + i, "success", null);
        }

        List<Check> checks = host.commitChecks(WEB, sha).orElseThrow().checks();

        assertThat(checks).hasSize(104).contains(
                new Check("status:ci/lint", "ci/lint", "in_progress", "", "https://ci.example.com/lint"),
                new Check("status:ci/test", "ci/test", "completed", "failure", "https://ci.example.com/test/2"),
                new Check("status:ci/build", "ci/build", "completed", "failure", ""),
                new Check("status:ci/deploy", "ci/deploy", "completed", "error", "https://ci.example.com/deploy"),
                new Check("status:extra/99", "extra/99", "completed", "success", ""));
    }

    @Test
    void pollingAnUnchangedCommitAgainCostsNoRateLimitAndSeesTheResultOnceItComes() {
        fake.ci().configure(web, FakeCi.Result.SUCCESS, Duration.ofHours(1));
        String sha = push(web, "hi\n");
        assertThat(host.commitChecks(WEB, sha).orElseThrow().checks()).extracting(Check::status)
                .containsExactly("in_progress");
        fake.resetStats();

        host.commitChecks(WEB, sha);
        assertThat(web.stats().notModified()).isEqualTo(2);
        assertThat(web.stats().reads()).isZero();

        fake.ci().configure(web, FakeCi.Result.SUCCESS);
        String next = push(web, "ho\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> fake.ci().suite(web, next).orElseThrow().conclusion()
                .isPresent());
        assertThat(host.commitChecks(WEB, next).orElseThrow().checks()).extracting(Check::conclusion)
                .containsExactly("success");
    }

    @Test
    void aPullRequestWithAutoMergeIsMergedWhenItsHeadsCiPassesAndOneWhoseCiFailsIsNot() {
        FakeRepo templates = acme.createRepo(RepoSpec.named(".github").files(SampleTemplates.files()));
        templates.push("main", ALICE, "orgctl.yaml", Map.of("orgctl.yaml", SampleTemplates.ORGCTL_YAML.replace(
                "mode: direct\n", "mode: pull-request\npull_request:\n  auto_merge: squash\n")));
        FakeRepo api = acme.createRepo("api");
        api.setAutoMergeAllowed(true);
        web.setAutoMergeAllowed(true);
        fake.ci().configure(api, FakeCi.Result.SUCCESS, Duration.ofMillis(300));
        fake.ci().configure(web, FakeCi.Result.FAILURE);
        acme.addHook("http://127.0.0.1:9/webhooks/github", "s", List.of("pull_request"));

        RegenResult.Proposed onApi = propose(api);
        RegenResult.Proposed onWeb = propose(web);
        RepoRef apiRef = new RepoRef("acme", "api");
        int apiPull = onApi.pull().orElseThrow().number();

        await().atMost(Duration.ofSeconds(10)).until(() -> host.proposalMerged(apiRef, apiPull).orElseThrow());
        FakePull merged = api.pulls().get(0);
        assertThat(merged.state()).isEqualTo("closed");
        assertThat(api.requireHead("main")).isEqualTo(merged.mergeCommitSha());
        String before = api.commit(merged.mergeCommitSha()).parents().get(0); // squash: one parent, the old base
        assertThat(api.files("main")).isEqualTo(api.files(merged.head())).isNotEqualTo(api.files(before));
        fake.ci().awaitCompletions(Duration.ofSeconds(10));
        assertThat(host.proposalMerged(WEB, onWeb.pull().orElseThrow().number())).contains(false);
        assertThat(host.proposalMerged(WEB, 99)).isEmpty();

        fake.awaitDeliveries(Duration.ofSeconds(10));
        List<FakeDelivery> closed = new ArrayList<>(fake.deliveries().stream()
                .filter(d -> d.event().equals("pull_request") && "closed".equals(d.action())).toList());
        assertThat(closed).singleElement().satisfies(d -> {
            assertThat(WebhookSchemas.load().violations(d.event(), d.payload())).isEmpty();
            assertThat(new ObjectMapper().readTree(d.payload()).path("pull_request").path("merged").asBoolean()).isTrue();
        });
    }

    @Test
    void anAppReadsThemWithTheReadPermissionsTheDocsNameAndWithoutThemIsToldWhichIsMissing(@TempDir Path dir) {
        fake.ci().configure(web, FakeCi.Result.SUCCESS);
        String sha = push(web, "hi\n");
        fake.ci().awaitCompletions(Duration.ofSeconds(10));
        GitHubHost granted = app(dir, 91, Map.of("contents", "write", "metadata", "read", "checks", "read",
                "statuses", "read", "actions", "read", "pull_requests", "read"));
        GitHubHost bare = app(dir, 92, Map.of("contents", "write", "metadata", "read", "checks", "read"));
        try (granted; bare) {
            assertThat(granted.commitChecks(WEB, sha).orElseThrow().checks()).extracting(Check::conclusion)
                    .containsExactly("success");
            assertThatThrownBy(() -> bare.commitChecks(WEB, sha)).isInstanceOf(GitHubApiException.class)
                    .hasMessageContaining("statuses=read");
        }
    }

    private GitHubHost app(Path dir, long id, Map<String, String> permissions) {
        KeyPair key = AppKeys.generate();
        fake.registerApp(id, "orgctl-" + id, key.getPublic());
        fake.installApp(id, "acme", permissions);
        GitHubSettings s = new GitHubSettings(Optional.of("acme"), URI.create(fake.url()), Optional.empty(),
                Optional.of(id), Optional.of(AppKeys.writePkcs1(key, dir.resolve(id + ".pem"))), Optional.empty());
        return new GitHubHost(TestClients.client(fake, GitHubClients.credentials(s), WriteBudget.UNLIMITED));
    }

    private RegenResult.Proposed propose(FakeRepo repo) {
        RegenExecutor executor = new RegenExecutor(host, new RegenPlanner(host));
        return (RegenResult.Proposed) executor.regenerate(new TemplateLoader(host).load("acme"),
                host.repository(new RepoRef("acme", repo.name())).orElseThrow(), RunContext.of("run-1"));
    }
}
