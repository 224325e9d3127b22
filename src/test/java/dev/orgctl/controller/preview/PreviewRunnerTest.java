package dev.orgctl.controller.preview;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.github.GitHubChecks;
import dev.orgctl.hosts.github.GitHubClient;
import dev.orgctl.hosts.github.GitHubHost;
import dev.orgctl.hosts.github.PullRequestComments;
import dev.orgctl.hosts.github.PullRequestHeads;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.regen.preview.ImpactPlanner;
import dev.orgctl.testing.github.FakeChecks;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakePull;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import dev.orgctl.testing.github.RepoSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Previews of pull requests to the templates repository, published as check runs on the fake. */
class PreviewRunnerTest {
    private static final Person ALICE = Person.of("alice");
    private static final String CODEOWNERS = "templates/github/.github/CODEOWNERS";

    private GitHubFake fake;
    private FakeOrg acme;
    private FakeRepo templates;
    private GitHubHost host;
    private PreviewRunner runner;

    @BeforeEach
    void start(@TempDir Path dir) {
        fake = GitHubFake.start();
        acme = fake.createOrg("acme");
        templates = acme.createRepo(RepoSpec.named(".github").files(SampleTemplates.files()));
        acme.createRepo(RepoSpec.named("api").topics("java").language("Java"));
        acme.createRepo(RepoSpec.named("web"));
        // Pull requests: write only for the optional comment; the check run needs read.
        GitHubClient client = AppOnFake.client(fake, dir, Map.of("contents", "read", "checks", "write",
                "pull_requests", "write", "metadata", "read"));
        host = new GitHubHost(client);
        runner = new PreviewRunner(new GitHubChecks(client), new PullRequestHeads(client),
                PreviewRunner.Planner.of(new ImpactPlanner(host, "acme", 2)));
    }

    @AfterEach
    void stop() {
        host.close();
        fake.close();
    }

    /** Alice's branch with {@code files} pushed on top of main, and her pull request into main. */
    private FakePull pullRequest(String branch, Map<String, String> files) {
        templates.createBranch(branch, "main", ALICE);
        templates.push(branch, ALICE, "change templates", files);
        return templates.openPull(branch, "main", ALICE, "Change templates");
    }

    private PreviewRequest request(FakePull pull, Optional<String> previous) {
        return new PreviewRequest("acme", pull.number(), templates.requireHead(pull.head()), "main", previous,
                "delivery-" + pull.number());
    }

    @Test
    void aRenderErrorFailsTheCheckWithAnAnnotationOnItsLineAndWritesNothingToATarget() {
        FakePull pull = pullRequest("typo", Map.of(CODEOWNERS, "* <%= vars.owners %>\n.github/ <%= repo.nmae %>\n"));
        String apiHead = acme.requireRepo("api").requireHead("main");
        String webHead = acme.requireRepo("web").requireHead("main");
        fake.resetStats();

        PreviewRunner.Result result = runner.run(request(pull, Optional.empty()));

        assertThat(result).isInstanceOfSatisfying(PreviewRunner.Result.Published.class,
                p -> assertThat(p.conclusion()).isEqualTo(GitHubChecks.Conclusion.FAILURE));
        List<FakeChecks.Run> runs = fake.checks().runs(templates);
        assertThat(runs).hasSize(1);
        FakeChecks.Run run = runs.get(0);
        assertThat(run.name()).isEqualTo("orgctl / impact");
        assertThat(run.headSha()).isEqualTo(templates.requireHead("typo"));
        assertThat(run.statusHistory()).containsExactly("in_progress", "completed");
        assertThat(run.conclusion()).contains("failure");
        assertThat(run.summary().orElseThrow()).contains(CODEOWNERS + " line 2").contains("repo.nmae");
        assertThat(run.annotations()).singleElement().satisfies(a -> {
            assertThat(a).containsEntry("path", CODEOWNERS).containsEntry("start_line", 2).containsEntry("end_line", 2)
                    .containsEntry("annotation_level", "failure");
            assertThat((String) a.get("message")).contains("unknown variable 'repo.nmae'");
        });
        // Reads only on the targets: no write, no moved branch.
        for (String name : List.of("api", "web")) {
            assertThat(acme.requireRepo(name).stats().writes()).as(name + " writes").isZero();
        }
        assertThat(acme.requireRepo("api").requireHead("main")).isEqualTo(apiHead);
        assertThat(acme.requireRepo("web").requireHead("main")).isEqualTo(webHead);
    }

    @Test
    void aChangeThatRendersSucceedsWithTheSameChangeGroupedAcrossRepositories() {
        FakePull pull = pullRequest("owners", Map.of(CODEOWNERS, "* @acme/owners\n"));

        PreviewRunner.Result result = runner.run(request(pull, Optional.empty()));

        assertThat(result).isInstanceOfSatisfying(PreviewRunner.Result.Published.class,
                p -> assertThat(p.conclusion()).isEqualTo(GitHubChecks.Conclusion.SUCCESS));
        FakeChecks.Run run = fake.checks().runs(templates).get(0);
        assertThat(run.title()).contains("2 repositories would change");
        assertThat(run.text().orElseThrow()).contains("The same change in 2 repositories").contains("+* @acme/owners");
        assertThat(run.annotations()).isEmpty();
    }

    @Test
    void twoPushesInQuickSuccessionEndWithOneResultForTheNewestHeadAndTheOlderSuperseded() {
        FakePull pull = pullRequest("owners", Map.of(CODEOWNERS, "* @acme/first\n"));
        String first = templates.requireHead("owners");
        String[] second = new String[1];
        AtomicBoolean pushed = new AtomicBoolean();
        ImpactPlanner real = new ImpactPlanner(host, "acme", 2);
        GitHubClient client = host.client();
        // While the first head is being planned, Alice pushes again and a second worker previews that head.
        PreviewRunner.Planner racing = (head, base) -> {
            if (pushed.compareAndSet(false, true)) {
                second[0] = templates.push("owners", ALICE, "again", Map.of(CODEOWNERS, "* @acme/second\n"));
                PreviewRunner other = new PreviewRunner(new GitHubChecks(client), new PullRequestHeads(client),
                        PreviewRunner.Planner.of(real));
                assertThat(other.run(request(pull, Optional.of(first))))
                        .isInstanceOf(PreviewRunner.Result.Published.class);
            }
            return real.plan(head, Optional.of(base));
        };
        PreviewRunner firstRunner = new PreviewRunner(new GitHubChecks(client), new PullRequestHeads(client), racing);

        PreviewRunner.Result result = firstRunner.run(request(pull, Optional.empty()));

        assertThat(result).isInstanceOfSatisfying(PreviewRunner.Result.Superseded.class,
                s -> assertThat(s.by()).contains(second[0]));
        List<FakeChecks.Run> runs = fake.checks().runs(templates);
        assertThat(runs).allSatisfy(r -> assertThat(r.status()).isEqualTo("completed"));
        assertThat(runs).filteredOn(r -> r.headSha().equals(first)).singleElement().satisfies(r -> {
            assertThat(r.conclusion()).contains("skipped");
            assertThat(r.summary().orElseThrow()).contains("Superseded by " + second[0]);
        });
        assertThat(runs).filteredOn(r -> r.headSha().equals(second[0])).singleElement().satisfies(r -> {
            assertThat(r.conclusion()).contains("success");
            assertThat(r.text().orElseThrow()).contains("@acme/second").doesNotContain("@acme/first");
        });
    }

    @Test
    void withCommentsOnEveryPushUpdatesTheOneCommentInPlace() {
        FakePull pull = pullRequest("owners", Map.of(CODEOWNERS, "* @acme/first\n"));
        GitHubClient client = host.client();
        PreviewRunner commenting = new PreviewRunner(new GitHubChecks(client), new PullRequestHeads(client),
                PreviewRunner.Planner.of(new ImpactPlanner(host, "acme", 2)),
                Optional.of(new PullRequestComments(client)));

        commenting.run(request(pull, Optional.empty()));
        assertThat(pull.commentBodies()).singleElement().asString().contains("success")
                .contains("2 repositories would change");
        String first = templates.requireHead("owners");
        templates.push("owners", ALICE, "typo", Map.of(CODEOWNERS, "* <%= repo.nmae %>\n"));
        commenting.run(request(pull, Optional.of(first)));

        assertThat(pull.commentBodies()).as("one comment, edited").singleElement().asString()
                .contains("failure").contains("repo.nmae").doesNotContain("2 repositories would change");
    }

    @Test
    void aHeadWithItsResultIsNotPreviewedAgainUnlessTheChecksAreAskedForAgain() {
        FakePull pull = pullRequest("owners", Map.of(CODEOWNERS, "* @acme/owners\n"));
        PreviewRequest first = request(pull, Optional.empty());
        assertThat(runner.run(first)).isInstanceOf(PreviewRunner.Result.Published.class);

        assertThat(runner.run(first)).as("a follow-up of the same head").isInstanceOf(
                PreviewRunner.Result.AlreadyPublished.class);
        assertThat(fake.checks().runs(templates)).hasSize(1);

        PreviewRequest again = new PreviewRequest("acme", pull.number(), first.headSha(), "main", Optional.empty(),
                "rerequested", true);
        assertThat(runner.run(again)).isInstanceOf(PreviewRunner.Result.Published.class);
        assertThat(fake.checks().runs(templates)).hasSize(2)
                .allSatisfy(r -> assertThat(r.conclusion()).contains("success"));
    }

    @Test
    void noCommentByDefault() {
        FakePull pull = pullRequest("owners", Map.of(CODEOWNERS, "* @acme/owners\n"));
        runner.run(request(pull, Optional.empty()));
        assertThat(pull.commentBodies()).isEmpty();
    }

    @Test
    void aClosedPullRequestLeavesNoRunInProgress() {
        FakePull pull = pullRequest("owners", Map.of(CODEOWNERS, "* @acme/owners\n"));
        PreviewRunner closing = new PreviewRunner(new GitHubChecks(host.client()), new PullRequestHeads(host.client()),
                (head, base) -> {
                    pull.close();
                    return new ImpactPlanner(host, "acme", 1).plan(head, Optional.of(base));
                });

        assertThat(closing.run(request(pull, Optional.empty()))).isInstanceOfSatisfying(
                PreviewRunner.Result.Superseded.class, s -> assertThat(s.by()).isEmpty());
        assertThat(fake.checks().runs(templates)).singleElement()
                .satisfies(r -> assertThat(r.conclusion()).contains("skipped"));
    }
}
