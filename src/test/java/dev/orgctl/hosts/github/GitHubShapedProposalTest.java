package dev.orgctl.hosts.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.PullRequestRef;
import dev.orgctl.regen.RegenExecutor;
import dev.orgctl.regen.RegenPlanner;
import dev.orgctl.regen.RegenResult;
import dev.orgctl.regen.RunContext;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakePull;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import dev.orgctl.testing.github.RepoSpec;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code pull_request} settings of {@code orgctl.yaml} on the github host against the fake,
 * whose every REST call and GraphQL document is checked against GitHub's descriptions at close.
 */
class GitHubShapedProposalTest {
    private static final Person ALICE = Person.of("alice");
    private static final String SHAPED = String.join("\n",
            "mode: pull-request",
            "pull_request:",
            "  branch: \"platform/sync-<%= repo.name %>\"",
            "  title: \"chore(<%= repo.name %>): files from <%= templates.short_rev %>\"",
            "  body: |",
            "    Template revision <%= templates.rev %> changes:",
            "    <% for f in files %>",
            "    - <%= f.action %> `<%= f.path %>`",
            "    <% end %>",
            "  message: \"chore: sync managed files\"",
            "  labels: [orgctl, chore]",
            "  reviewers: [octocat]",
            "  team_reviewers: [platform]",
            "  assignees: [hubot]",
            "  draft: true",
            "");

    private GitHubFake fake;
    private FakeOrg acme;
    private FakeRepo templatesRepo;
    private FakeRepo api;
    private FakeRepo web;
    private GitHubHost host;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
        acme = fake.createOrg("acme");
        templatesRepo = acme.createRepo(RepoSpec.named(".github").files(SampleTemplates.files()));
        api = acme.createRepo(RepoSpec.named("api").topics("java").language("Java"));
        web = acme.createRepo(RepoSpec.named("web"));
        host = new GitHubHost(TestClients.pat(fake, fake.createToken("orgctl", "repo", "workflow")));
    }

    @AfterEach
    void stop() {
        host.close();
        fake.close();
    }

    private String config(String pullRequestMode) {
        return templatesRepo.push("main", ALICE, "orgctl.yaml", Map.of("orgctl.yaml",
                SampleTemplates.ORGCTL_YAML.replace("mode: direct\n", pullRequestMode)));
    }

    private RegenResult regenerate(FakeRepo repo) {
        RegenExecutor executor = new RegenExecutor(host, new RegenPlanner(host));
        return executor.regenerate(new TemplateLoader(host).load("acme"), host.repository(
                new dev.orgctl.hosts.RepoRef("acme", repo.name())).orElseThrow(), RunContext.of("run-1"));
    }

    private static FakePull onlyPull(FakeRepo repo) {
        assertThat(repo.pulls()).hasSize(1);
        return repo.pulls().get(0);
    }

    @Test
    void branchTitleBodyAndMessageComeFromTheTemplatesAndTheSettingsAreSentOnce() {
        String rev = config(SHAPED);

        RegenResult.Proposed p = (RegenResult.Proposed) regenerate(api);

        assertThat(p.branch()).isEqualTo("platform/sync-api");
        assertThat(p.notes()).isEmpty();
        FakePull pr = onlyPull(api);
        assertThat(p.pull()).contains(new PullRequestRef(pr.number(), fake.url() + "/acme/api/pull/" + pr.number(),
                pr.nodeId(), PullRequestRef.AutoMerge.NOT_REQUESTED));
        assertThat(pr.head()).isEqualTo("platform/sync-api");
        assertThat(api.requireHead("platform/sync-api")).isEqualTo(p.commitId()); // what a wave gate waits on
        assertThat(pr.title()).isEqualTo("chore(api): files from " + rev.substring(0, 12));
        assertThat(pr.body()).startsWith("Template revision " + rev + " changes:\n")
                .contains("- create `.github/workflows/ci.yml`\n", "- create `LICENSE`\n");
        assertThat(pr.draft()).isTrue();
        assertThat(pr.labels()).containsExactly("orgctl", "chore");
        assertThat(pr.requestedReviewers()).containsExactly("octocat");
        assertThat(pr.requestedTeams()).containsExactly("platform");
        assertThat(pr.assignees()).containsExactly("hubot");
        assertThat(pr.settingsCalls()).isEqualTo(3);
        String message = api.commit(p.commitId()).message();
        assertThat(message).startsWith("chore: sync managed files [skip-regen]\n\n")
                .contains("Orgctl-Run-Id: run-1", "Orgctl-Template-Rev: " + rev);

        // A person removes a label; a template change rebuilds the proposal: nothing is sent again.
        pr.removeLabel("chore");
        String rev2 = templatesRepo.push("main", ALICE, "licence", Map.of("templates/github/LICENSE",
                "Apache-2.0 for <%= repo.name %>\n"));
        RegenResult.Proposed again = (RegenResult.Proposed) regenerate(api);
        assertThat(again.updated()).isTrue();
        assertThat(onlyPull(api).title()).isEqualTo("chore(api): files from " + rev2.substring(0, 12));
        assertThat(pr.settingsCalls()).isEqualTo(3);
        assertThat(pr.labels()).containsExactly("orgctl");
        assertThat(regenerate(api)).isInstanceOf(RegenResult.Proposed.class);
        assertThat(pr.settingsCalls()).isEqualTo(3);

        // orgctl.yaml changes the settings: they are sent once more, added to what is there.
        config(SHAPED.replace("labels: [orgctl, chore]", "labels: [orgctl, chore, templates]"));
        regenerate(api);
        assertThat(pr.labels()).containsExactly("orgctl", "chore", "templates");
        assertThat(pr.settingsCalls()).isEqualTo(6);
        regenerate(api);
        assertThat(pr.settingsCalls()).isEqualTo(6);
    }

    @Test
    void withoutSettingsThePullRequestIsTodays() {
        String rev = config("mode: pull-request\n");

        RegenResult.Proposed p = (RegenResult.Proposed) regenerate(web);

        FakePull pr = onlyPull(web);
        assertThat(p.branch()).isEqualTo("orgctl/regenerate");
        assertThat(pr.title()).isEqualTo("orgctl: regenerate from acme/.github@" + rev.substring(0, 12)
                + " [skip-regen]");
        assertThat(pr.body()).startsWith("orgctl regenerated the files it manages from acme/.github@")
                .doesNotContain("orgctl:pull-request-settings");
        assertThat(pr.draft()).isFalse();
        assertThat(pr.labels()).isEmpty();
        assertThat(pr.settingsCalls()).isZero();
    }

    @Test
    void autoMergeIsEnabledWhereTheRepositoryAllowsItAndANoteWhereItDoesNot() {
        api.setAutoMergeAllowed(true);
        config(String.join("\n",
                "mode: pull-request",
                "pull_request:",
                "  auto_merge: squash",
                "repos:",
                "  web:",
                "    pull_request:",
                "      labels: [web-only]",
                ""));

        RegenResult.Proposed onApi = (RegenResult.Proposed) regenerate(api);
        RegenResult.Proposed onWeb = (RegenResult.Proposed) regenerate(web);

        assertThat(onApi.pull().orElseThrow().autoMerge()).isEqualTo(PullRequestRef.AutoMerge.ENABLED);
        assertThat(onlyPull(api).autoMergeMethod()).isEqualTo("SQUASH");
        assertThat(onApi.notes()).isEmpty();
        assertThat(onWeb.pull().orElseThrow().autoMerge()).isEqualTo(PullRequestRef.AutoMerge.NOT_ALLOWED);
        assertThat(onWeb.notes()).containsExactly("auto-merge not enabled: acme/web does not allow auto-merge "
                + "(repository settings, \"Allow auto-merge\"); the pull request waits for a person");
        assertThat(onlyPull(web).autoMergeMethod()).isNull();
        assertThat(onlyPull(web).labels()).containsExactly("web-only"); // the repository's own block, over the org's

        // Up to date: auto-merge is read, not enabled again.
        RegenResult.Proposed second = (RegenResult.Proposed) regenerate(api);
        assertThat(second.updated()).isFalse();
        assertThat(second.pull().orElseThrow().autoMerge()).isEqualTo(PullRequestRef.AutoMerge.ENABLED);
        assertThat(fake.graphqlRequests().stream()
                .filter(r -> r.query().contains("enablePullRequestAutoMerge")).count()).isEqualTo(1);
    }

    @Test
    void aReviewerGitHubRefusesIsANoteAndTheRestStillApplies() {
        config(String.join("\n",
                "mode: pull-request",
                "pull_request:",
                "  reviewers: [orgctl]", // the token's own login: GitHub refuses the author as a reviewer
                "  labels: [orgctl]",
                ""));

        RegenResult r = regenerate(api);

        assertThat(r).isInstanceOf(RegenResult.Proposed.class);
        assertThat(((RegenResult.Proposed) r).notes()).singleElement().asString()
                .startsWith("reviewers not set: ").contains("422");
        assertThat(onlyPull(api).labels()).containsExactly("orgctl");
        assertThat(onlyPull(api).requestedReviewers()).isEmpty();
    }
}
