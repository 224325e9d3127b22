package dev.orgctl.controller.preview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.config.Secret;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.github.CheckOutput;
import dev.orgctl.hosts.github.GitHubApiException;
import dev.orgctl.hosts.github.GitHubChecks;
import dev.orgctl.hosts.github.GitHubClient;
import dev.orgctl.hosts.github.RateListener;
import dev.orgctl.hosts.github.TokenCredentials;
import dev.orgctl.hosts.github.WriteBudget;
import dev.orgctl.regen.preview.Impact;
import dev.orgctl.regen.preview.ImpactCounts;
import dev.orgctl.regen.preview.ImpactGroup;
import dev.orgctl.regen.preview.ImpactProblem;
import dev.orgctl.testing.github.FakeChecks;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.RepoSpec;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An impact of any size as a check run GitHub accepts: the fake refuses what GitHub refuses. */
class ImpactCheckTest {
    private static final RepoRef TEMPLATES = new RepoRef("acme", ".github");

    private GitHubFake fake;
    private FakeRepo templates;
    private GitHubClient client;
    private GitHubChecks checks;
    private String head;

    @BeforeEach
    void start(@TempDir Path dir) {
        fake = GitHubFake.start();
        FakeOrg acme = fake.createOrg("acme");
        templates = acme.createRepo(RepoSpec.named(".github").files(Map.of("orgctl.yaml", "version: 1\n")));
        head = templates.requireHead("main");
        client = AppOnFake.client(fake, dir, Map.of("checks", "write", "metadata", "read"));
        checks = new GitHubChecks(client);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private FakeChecks.Run publish(Impact impact) {
        long id = checks.start(TEMPLATES, PreviewRunner.CHECK_NAME, head, "t", "Planning", "...").id();
        checks.complete(TEMPLATES, id, ImpactCheck.conclusion(impact), ImpactCheck.render(impact));
        return fake.checks().runs(templates).stream().filter(r -> r.id() == id).findFirst().orElseThrow();
    }

    private Impact impact(List<ImpactGroup> groups, List<ImpactProblem> problems) {
        int repos = groups.stream().mapToInt(g -> g.repositories().size()).sum();
        return new Impact("change", head, Optional.of("b".repeat(40)), new ImpactCounts(repos, 0, repos, 0, 0),
                Map.of("github", new ImpactCounts(repos, 0, repos, 0, 0)), groups, problems);
    }

    @Test
    void moreThanFiftyAnnotationsGoOutInBatchesAndAllArrive() {
        List<ImpactProblem> problems = IntStream.rangeClosed(1, 120).mapToObj(i -> new ImpactProblem(
                "templates/ci/t" + i + ".yml", i, "unknown variable 'x" + i + "'", List.of("api"))).toList();

        FakeChecks.Run run = publish(impact(List.of(), problems));

        assertThat(run.conclusion()).contains("failure");
        assertThat(run.annotations()).hasSize(120);
        assertThat(run.annotations().get(119)).containsEntry("path", "templates/ci/t120.yml")
                .containsEntry("start_line", 120);
    }

    @Test
    void theFakeRefusesFiftyOneAnnotationsInOneRequestAsGitHubDoes() {
        long id = checks.start(TEMPLATES, PreviewRunner.CHECK_NAME, head, "t", "Planning", "...").id();
        List<Map<String, Object>> annotations = new ArrayList<>();
        for (int i = 1; i <= 51; i++) {
            annotations.add(Map.of("path", "orgctl.yaml", "start_line", 1, "end_line", 1, "annotation_level",
                    "failure", "message", "m" + i));
        }
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("title", "t");
        output.put("summary", "s");
        output.put("annotations", annotations);
        assertThatThrownBy(() -> client.patch("/repos/acme/.github/check-runs/" + id, Map.of("output", output)))
                .isInstanceOfSatisfying(GitHubApiException.class,
                        e -> assertThat(e.kind()).isEqualTo(GitHubApiException.Kind.VALIDATION));
        assertThatThrownBy(() -> client.patch("/repos/acme/.github/check-runs/" + id,
                Map.of("output", Map.of("title", "t", "summary", "x".repeat(65_536)))))
                .isInstanceOf(GitHubApiException.class);
        // GitHub's REST description says the same: both requests were refused before the fake acted.
        assertThat(fake.conformance().takeViolations()).extracting(Object::toString)
                .anySatisfy(v -> assertThat(v).contains("/output/annotations").contains("at most 50"))
                .anySatisfy(v -> assertThat(v).contains("/output/summary"));
    }

    @Test
    void manyDistinctLargeDiffsAreCutWithinGitHubsCapAndSayHowToSeeAll() {
        List<ImpactGroup> groups = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String diff = "--- a/f" + i + "\n+++ b/f" + i + "\n" + "+ l\u00e9ngthy line ```\n".repeat(60);
            groups.add(new ImpactGroup(diff, List.of("repo-" + i, "other-" + i), new ImpactCounts(2, 0, 2, 0, 0)));
        }

        FakeChecks.Run run = publish(impact(groups, List.of()));

        String text = run.text().orElseThrow();
        assertThat(CheckOutput.size(text)).isLessThanOrEqualTo(CheckOutput.MAX_MARKDOWN);
        assertThat(text).contains("The same change in 2 repositories")
                .contains("more distinct changes")
                .contains("orgctl regen plan --ref " + head + " --base " + "b".repeat(40));
        // A diff that holds ``` cannot close its own fence.
        assertThat(text).contains("````diff");
        assertThat(run.conclusion()).contains("success");
    }

    @Test
    void nothingChangingIsNeutral() {
        FakeChecks.Run run = publish(impact(List.of(), List.of()));
        assertThat(run.conclusion()).contains("neutral");
        assertThat(run.title()).contains("No repository would change");
    }

    @Test
    void aPersonalAccessTokenCannotCreateCheckRunsAndIsToldWhatToUse() {
        GitHubClient pat = new GitHubClient(GitHubClient.Settings.defaults(URI.create(fake.url())),
                new TokenCredentials(Secret.of(fake.createToken("octo", "repo"))), WriteBudget.UNLIMITED,
                RateListener.NONE, Clock.systemUTC());
        assertThatThrownBy(() -> new GitHubChecks(pat).start(TEMPLATES, PreviewRunner.CHECK_NAME, head, "t", "t", "s"))
                .isInstanceOf(GitHubApiException.class)
                .hasMessageContaining("only a GitHub App").hasMessageContaining("checks: write");
        // And GitHub itself (the fake) refuses the token, for anyone calling it directly.
        assertThatThrownBy(() -> pat.post("/repos/acme/.github/check-runs", Map.of("name", "x", "head_sha", head)))
                .isInstanceOfSatisfying(GitHubApiException.class,
                        e -> assertThat(e.kind()).isEqualTo(GitHubApiException.Kind.FORBIDDEN));
        assertThat(fake.checks().runs(templates)).isEmpty();
    }
}
