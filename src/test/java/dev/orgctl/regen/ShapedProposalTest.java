package dev.orgctl.regen;

import static dev.orgctl.hosts.git.GitTestRepos.files;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import java.nio.file.Path;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code pull_request} settings on the git backend: branch and message apply, the rest is a note. */
class ShapedProposalTest {
    @TempDir
    Path tmp;
    RegenFixture fx;

    @BeforeEach
    void setUp() {
        fx = new RegenFixture(tmp);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void theBranchAndTheMessageComeFromTheTemplatesWithTheChangedFilesAndTheRevision() throws Exception {
        fx.standardTemplates();
        String rev = fx.templates(files("orgctl.yaml", String.join("\n",
                "mode: pull-request",
                "pull_request:",
                "  branch: \"platform/<%= repo.name %>-files\"",
                "  message: |",
                "    chore(<%= repo.name %>): sync files from <%= templates.short_rev %>",
                "",
                "    <% for f in files %>",
                "    * <%= f.action %> <%= f.path %> (<%= f.set %>)",
                "    <% end %>",
                "")));
        RepoRef api = fx.target("api");
        String main = fx.host.branchHead(api, "main").orElseThrow();

        RegenResult.Proposed p = (RegenResult.Proposed) fx.regenerate(api);

        assertThat(p.branch()).isEqualTo("platform/api-files");
        assertThat(p.notes()).isEmpty(); // nothing a git remote cannot carry was asked for
        assertThat(p.pull()).isEmpty();
        assertThat(fx.host.branchHead(api, "orgctl/regenerate")).isEmpty();
        RevCommit c = fx.repos.log(api, "platform/api-files").get(0);
        assertThat(c.getParent(0).name()).isEqualTo(main);
        String message = c.getFullMessage();
        // The subject is the template's, with the marker orgctl's own commits are known by.
        assertThat(message.split("\n")[0])
                .isEqualTo("chore(api): sync files from " + rev.substring(0, 12) + " [skip-regen]");
        assertThat(message).contains("* create .github/workflows/ci.yml (ci)\n", "* create .github/CODEOWNERS (ci)\n");
        assertThat(Provenance.trailers(message)).containsEntry(Provenance.RUN_ID, "test-run")
                .containsEntry(Provenance.TEMPLATE_REV, rev);
        assertThat(Provenance.isOrgctlCommit(message)).isTrue();

        // Merged: the proposal on the configured branch is the one closed.
        GitTestRepos.git(fx.host.gitDir(api), "update-ref", "refs/heads/main", p.commitId(), main);
        RegenResult closed = fx.regenerate(api);
        assertThat(closed).isEqualTo(new RegenResult.ProposalClosed(fx.info(api), "platform/api-files",
                ((RegenResult.ProposalClosed) closed).plan(), 0));
        assertThat(fx.host.branchHead(api, "platform/api-files")).isEmpty();
    }

    @Test
    void theDocumentedExampleRenders() {
        // docs/templates.md "Pull requests": the example block, as written there.
        fx.standardTemplates();
        String rev = fx.templates(files("orgctl.yaml", String.join("\n",
                "mode: pull-request",
                "pull_request:",
                "  title: \"chore(<%= repo.name %>): managed files from <%= templates.short_rev %>\"",
                "  body: |",
                "    Synced from <%= templates.repo %>@<%= templates.rev %>:",
                "    <% for f in files %>",
                "    - <%= f.action %> `<%= f.path %>`<% if f.note != \"\" %> (<%= f.note %>)<% end %>",
                "    <% end %>",
                "  message: \"chore: sync managed files\"",
                "")));
        RepoRef api = fx.target("api");
        RegenResult.Proposed p = (RegenResult.Proposed) fx.regenerate(api);
        RevCommit c = fx.repos.log(api, p.branch()).get(0);
        assertThat(c.getFullMessage()).startsWith("chore: sync managed files [skip-regen]\n\nOrgctl-Run-Id: test-run\n");

        ProposalTexts texts = new ProposalTexts(fx.snapshot(), "orgctl/regenerate");
        RepoPlan plan = fx.plan(api); // the same changes again: the proposal is not in main
        ProposalRequest req = texts.request(plan, RunContext.of("r"), CommitIdentity.ORGCTL);
        assertThat(req.title()).isEqualTo("chore(api): managed files from " + rev.substring(0, 12));
        assertThat(req.body()).isEqualTo("Synced from acme/.github@" + rev + ":\n"
                + "- create `.github/CODEOWNERS`\n"
                + "- create `.github/workflows/ci.yml`\n"
                + "- create `.github/orgctl-owned.json` (ownership manifest)\n");
    }

    @Test
    void whatOnlyAPullRequestCanCarryIsANoteOnTheGitBackendNotAFailure() {
        fx.standardTemplates();
        fx.templates(files("orgctl.yaml", String.join("\n",
                "mode: pull-request",
                "pull_request:",
                "  labels: [orgctl]",
                "  reviewers: [octocat]",
                "  auto_merge: squash",
                "")));
        RepoRef api = fx.target("api");

        RegenResult.Proposed p = (RegenResult.Proposed) fx.regenerate(api);

        assertThat(p.branch()).isEqualTo("orgctl/regenerate");
        assertThat(p.notes()).containsExactly("the git backend has no pull requests: labels, reviewers, assignees, "
                + "draft and auto-merge are not applied (the branch orgctl/regenerate is the proposal)");
        assertThat(((RegenResult.Proposed) fx.regenerate(api)).notes()).hasSize(1); // said again, never dropped
    }

    @Test
    void aBranchThatWouldChangeWithTheRevisionIsAnErrorOfThatKey() {
        fx.standardTemplates();
        fx.templates(files("orgctl.yaml", "mode: pull-request\npull_request:\n  branch: \"orgctl/<%= templates.rev %>\"\n"));
        RepoRef api = fx.target("api");

        RegenResult r = fx.regenerate(api);

        assertThat(r).isInstanceOf(RegenResult.Failed.class);
        assertThat(((RegenResult.Failed) r).message())
                .startsWith("acme/.github:orgctl.yaml line 3: pull_request.branch: ").contains("templates.rev")
                .doesNotContain("\n");
        assertThat(((RegenResult.Failed) r).retryable()).isFalse();
    }

    @Test
    void aBranchNameGitRefusesIsAnErrorOfThatKey() {
        fx.standardTemplates();
        fx.templates(files("orgctl.yaml", "mode: pull-request\npull_request:\n  branch: \"orgctl/<%= repo.name %>..x\"\n"));
        RepoRef api = fx.target("api");

        RegenResult r = fx.regenerate(api);

        assertThat(((RegenResult.Failed) r).message())
                .isEqualTo("acme/.github:orgctl.yaml line 3: pull_request.branch: 'orgctl/api..x' is not a valid "
                        + "branch name");
    }
}
