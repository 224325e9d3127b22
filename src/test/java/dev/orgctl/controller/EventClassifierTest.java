package dev.orgctl.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orgctl.controller.GitHubEvent.Commit;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class EventClassifierTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> OWN = Set.of("own1", "own2", "ownbase");
    private static final Set<String> OWNED_PATHS = Set.of(".github/workflows/ci.yml", "CODEOWNERS");

    private final EventClassifier classifier = new EventClassifier(new EventClassifier.Knowledge() {
        @Override
        public String templatesRepo(String org) {
            return ".github";
        }

        @Override

        public boolean isOwnCommit(String org, String repo, Commit commit) {
            return OWN.contains(commit.id());
        }

        @Override

        public Set<String> ownedPaths(String org, String repo, String commit) {
            return OWNED_PATHS;
        }
    });

    private record C(String id, List<String> modified) {
    }

    private static ObjectNode push(String repo, String ref, String before, C... commits) {
        ObjectNode b = JSON.createObjectNode();
        b.put("ref", ref).put("before", before).put("after", commits.length == 0 ? "0" : commits[commits.length - 1].id())
                .put("created", false).put("deleted", false);
        ObjectNode r = b.putObject("repository");
        r.put("name", repo).put("full_name", "acme/" + repo).put("default_branch", "main");
        r.putObject("owner").put("login", "acme");
        ArrayNode list = b.putArray("commits");
        for (C c : commits) {
            ObjectNode n = list.addObject();
            n.put("id", c.id()).put("message", "change");
            n.putArray("added");
            n.putArray("removed");
            ArrayNode m = n.putArray("modified");
            c.modified().forEach(m::add);
        }
        return b;
    }

    private Classification classify(String event, ObjectNode body) {
        return classifier.classify(GitHubEvent.parse(event, "d-1", body));
    }

    @Test
    void templateChangeOnTheTemplatesRepoDefaultBranch() {
        Classification c = classify("push", push(".github", "refs/heads/main", "a",
                new C("t1", List.of("templates/ci/.github/workflows/ci.yml", "README.md"))));
        assertThat(c).isEqualTo(new Classification.TemplateChange("acme", "t1", java.util.Optional.of("a"), Set.of("templates/ci/.github/workflows/ci.yml")));
        assertThat(classify("push", push(".github", "refs/heads/main", "a", new C("t2", List.of("orgctl.yaml")))))
                .isInstanceOf(Classification.TemplateChange.class);
        assertThat(classify("push", push(".github", "refs/heads/main", "a", new C("t3", List.of("README.md")))))
                .isInstanceOf(Classification.Irrelevant.class);
    }

    @Test
    void aPushToAnotherBranchOfTheTemplatesRepoIsAPreviewAndElsewhereNothing() {
        assertThat(classify("push", push(".github", "refs/heads/feature/x", "a", new C("t4", List.of("README.md")))))
                .isEqualTo(new Classification.TemplatePreview("acme", "feature/x", "t4", false));
        ObjectNode deleted = push(".github", "refs/heads/feature", "a");
        deleted.put("deleted", true);
        assertThat(classify("push", deleted)).isEqualTo(new Classification.TemplatePreview("acme", "feature", "0", true));
        assertThat(classify("push", push(".github", "refs/tags/v1", "a", new C("t5", List.of("templates/x")))))
                .isInstanceOf(Classification.Irrelevant.class);
        assertThat(classify("push", push("api", "refs/heads/feature", "a", new C("t6", List.of("CODEOWNERS")))))
                .isInstanceOf(Classification.Irrelevant.class);
    }

    @Test
    void driftOnlyForOwnedFilesAndByOthers() {
        Classification drift = classify("push", push("api", "refs/heads/main", "x", new C("h1", List.of("CODEOWNERS", "src/a.java"))));
        assertThat(drift).isEqualTo(new Classification.Drift("acme", "api", Set.of("CODEOWNERS"), "h1", java.util.Optional.empty()));
        assertThat(classify("push", push("api", "refs/heads/main", "x", new C("h2", List.of("src/a.java")))))
                .isInstanceOf(Classification.Irrelevant.class);
        Classification reaction = classify("push", push("api", "refs/heads/main", "ownbase", new C("h3", List.of("CODEOWNERS"))));
        assertThat(((Classification.Drift) reaction).afterOwnCommit()).contains("ownbase");
    }

    @Test
    void ownCommitsAreDroppedButAMixedPushIsJudgedOnTheOthers() {
        assertThat(classify("push", push("api", "refs/heads/main", "x", new C("own1", List.of("CODEOWNERS")),
                new C("own2", List.of(".github/workflows/ci.yml"))))).isInstanceOf(Classification.OwnCommit.class);
        assertThat(classify("push", push("api", "refs/heads/main", "x", new C("own1", List.of("CODEOWNERS")),
                new C("human", List.of("CODEOWNERS"))))).isInstanceOf(Classification.Drift.class);
        assertThat(classify("push", push("api", "refs/heads/main", "x", new C("own1", List.of("CODEOWNERS")),
                new C("human", List.of("docs/x.md"))))).isInstanceOf(Classification.Irrelevant.class);
    }

    @Test
    void aTruncatedCommitListIsCheckedByContent() {
        C[] many = new C[GitHubEvent.MAX_LISTED_COMMITS];
        for (int i = 0; i < many.length; i++) {
            many[i] = new C("c" + i, List.of("src/f" + i));
        }
        assertThat(classify("push", push("api", "refs/heads/main", "x", many))).isInstanceOf(Classification.Drift.class);
    }

    @Test
    void newRepositoriesAndOtherEvents() {
        ObjectNode created = JSON.createObjectNode().put("action", "created");
        created.putObject("repository").put("name", "new-svc").putObject("owner").put("login", "acme");
        assertThat(classify("repository", created)).isEqualTo(new Classification.NewRepository("acme", "new-svc"));
        created.put("action", "deleted");
        assertThat(classify("repository", created)).isInstanceOf(Classification.Irrelevant.class);
        ObjectNode ping = JSON.createObjectNode();
        ping.putObject("organization").put("login", "acme");
        assertThat(classify("ping", ping)).isInstanceOf(Classification.Irrelevant.class);
        assertThat(classify("push", JSON.createObjectNode())).isInstanceOf(Classification.Irrelevant.class);
    }

    private static ObjectNode inRepo(String action, String repo) {
        ObjectNode b = JSON.createObjectNode();
        if (action != null) {
            b.put("action", action);
        }
        ObjectNode r = b.putObject("repository");
        r.put("name", repo).put("html_url", "https://github.com/acme/" + repo);
        r.putObject("owner").put("login", "acme");
        return b;
    }

    @Test
    void completedCheckSuitesAndWorkflowRunsAreCiResultsOfTheirHeadCommit() {
        ObjectNode suite = inRepo("completed", "svc");
        suite.putObject("check_suite").put("id", 42).put("head_sha", "s1").put("status", "completed")
                .put("conclusion", "failure").putObject("app").put("name", "GitHub Actions");
        assertThat(classify("check_suite", suite)).isEqualTo(new Classification.CiReport("acme", "svc",
                new GitHubEvent.CiResult("s1", "check_suite:42", "GitHub Actions", "completed", "failure",
                        "https://github.com/acme/svc/commit/s1/checks?check_suite_id=42", false, true)));
        suite.put("action", "requested");
        assertThat(classify("check_suite", suite)).isInstanceOf(Classification.Irrelevant.class);

        ObjectNode run = inRepo("completed", "svc");
        run.putObject("workflow_run").put("id", 7).put("head_sha", "s2").put("name", "CI").put("status", "completed")
                .put("conclusion", "success").put("html_url", "https://github.com/acme/svc/actions/runs/7");
        assertThat(classify("workflow_run", run)).isEqualTo(new Classification.CiReport("acme", "svc",
                new GitHubEvent.CiResult("s2", "workflow_run:7", "CI", "completed", "success",
                        "https://github.com/acme/svc/actions/runs/7", false, true)));
        run.put("action", "in_progress");
        assertThat(classify("workflow_run", run)).isInstanceOf(Classification.Irrelevant.class);
    }

    /** Results are kept only for commits that may be orgctl's: the head commit's message says whose it is. */
    @Test
    void aResultTellsWhetherItsHeadCommitMayBeOrgctls() {
        String orgctls = "orgctl: regenerate from acme/.github@1a2b3c4d5e6f [skip-regen]\n\n"
                + "Orgctl-Run-Id: run-1\nOrgctl-Template-Rev: 1a2b3c4d5e6f\n";
        ObjectNode suite = inRepo("completed", "svc");
        ObjectNode cs = suite.putObject("check_suite").put("id", 42).put("head_sha", "s1").put("status", "completed")
                .put("conclusion", "success");
        cs.putObject("head_commit").put("message", "fix: a person's commit");
        assertThat(((Classification.CiReport) classify("check_suite", suite)).result().orgctls()).isFalse();
        ((ObjectNode) cs.get("head_commit")).put("message", orgctls);
        assertThat(((Classification.CiReport) classify("check_suite", suite)).result().orgctls()).isTrue();

        ObjectNode run = inRepo("completed", "svc");
        ((ObjectNode) run.get("repository")).put("full_name", "acme/svc");
        ObjectNode wr = run.putObject("workflow_run").put("id", 7).put("head_sha", "s2").put("status", "completed")
                .put("conclusion", "success");
        wr.putObject("head_commit").put("message", "docs: typo");
        assertThat(((Classification.CiReport) classify("workflow_run", run)).result().orgctls()).isFalse();
        // A run that ended still releases the Terraform state locks it holds, whoever wrote its commit.
        assertThat(((Classification.CiReport) classify("workflow_run", run)).runEnded()).isPresent();

        ObjectNode status = inRepo(null, "svc");
        status.put("sha", "s3").put("context", "ci/lint").put("state", "success");
        status.putObject("commit").putObject("commit").put("message", orgctls);
        assertThat(((Classification.CiReport) classify("status", status)).result().orgctls()).isTrue();
        ((ObjectNode) status.get("commit").get("commit")).put("message", "Merge pull request #3");
        assertThat(((Classification.CiReport) classify("status", status)).result().orgctls()).isFalse();
    }

    @Test
    void commitStatusesOfAnyStateAndMergedPullRequestsAreCiResults() {
        ObjectNode status = inRepo(null, ".github");
        status.put("sha", "s3").put("context", "ci/lint").put("state", "pending").put("target_url", "https://ci/1");
        assertThat(classify("status", status)).isEqualTo(new Classification.CiReport("acme", ".github",
                new GitHubEvent.CiResult("s3", "status:ci/lint", "ci/lint", "in_progress", "", "https://ci/1", false, true)));
        status.put("state", "error");
        assertThat(((Classification.CiReport) classify("status", status)).result().conclusion()).isEqualTo("error");

        ObjectNode pull = inRepo("closed", "svc");
        ObjectNode pr = pull.putObject("pull_request").put("merged", true).put("html_url", "https://github.com/acme/svc/pull/3");
        pr.putObject("head").put("sha", "s4");
        assertThat(classify("pull_request", pull)).isEqualTo(new Classification.CiReport("acme", "svc",
                new GitHubEvent.CiResult("s4", "", "", "", "", "https://github.com/acme/svc/pull/3", true, true)));
        pr.put("merged", false);
        assertThat(classify("pull_request", pull)).isInstanceOf(Classification.Irrelevant.class);
    }

    @Provide
    Arbitrary<List<String>> commitIds() {
        return Arbitraries.of("own1", "own2", "h1", "h2", "h3").list().ofMinSize(1).ofMaxSize(6);
    }

    @Provide
    Arbitrary<List<String>> paths() {
        return Arbitraries.of("CODEOWNERS", ".github/workflows/ci.yml", "src/x", "README.md", "templates/a").list()
                .ofMinSize(0).ofMaxSize(4);
    }

    @Property
    void aPushMadeOnlyOfOwnCommitsNeverTriggersWork(@ForAll("commitIds") List<String> ids, @ForAll("paths") List<String> touched,
                                                   @ForAll boolean templatesRepo) {
        C[] commits = ids.stream().map(id -> new C(id, touched)).toArray(C[]::new);
        Classification c = classify("push", push(templatesRepo ? ".github" : "api", "refs/heads/main", "x", commits));
        boolean allOwn = ids.stream().allMatch(OWN::contains);
        if (allOwn) {
            assertThat(c).isInstanceOf(Classification.OwnCommit.class);
        } else {
            assertThat(c).isNotInstanceOf(Classification.OwnCommit.class);
        }
    }

    @Test
    void everyCompletedWorkflowRunExampleNamesTheRunThatEndedAndNothingElseDoes() {
        int ended = 0;
        for (dev.orgctl.testing.WebhookExamples.Example e : dev.orgctl.testing.WebhookExamples.all()) {
            Classification c = classify(e.event(), e.payload());
            boolean completedRun = e.event().equals("workflow_run") && e.action().equals(java.util.Optional.of("completed"));
            java.util.Optional<GitHubEvent.RunEnd> run = c instanceof Classification.CiReport ci ? ci.runEnded()
                    : java.util.Optional.empty();
            assertThat(run.isPresent()).as("%s", e).isEqualTo(completedRun);
            if (completedRun) {
                ended++;
                GitHubEvent.RunEnd r = run.get();
                assertThat(r.runId()).isEqualTo(e.payload().at("/workflow_run/id").asLong());
                assertThat(r.repository()).isEqualTo(e.payload().at("/workflow_run/repository/full_name").asText());
                assertThat(r.attempt()).isEqualTo(e.payload().at("/workflow_run/run_attempt").asInt(0));
                assertThat(r.conclusion()).isEqualTo(e.payload().at("/workflow_run/conclusion").asText(""));
            }
        }
        assertThat(ended).as("workflow_run completed examples").isEqualTo(3);
    }

    @Test
    void aCancelledWorkflowRunEndsItsRunLikeAnyConclusion() {
        ObjectNode b = JSON.createObjectNode().put("action", "completed");
        b.putObject("repository").put("name", "infra").put("full_name", "acme/infra").putObject("owner")
                .put("login", "acme");
        ObjectNode run = b.putObject("workflow_run").put("id", 42).put("run_attempt", 3).put("head_sha", "a".repeat(40))
                .put("status", "completed").put("conclusion", "cancelled");
        run.putObject("repository").put("full_name", "acme/infra");
        assertThat(classify("workflow_run", b)).isInstanceOfSatisfying(Classification.CiReport.class, c ->
                assertThat(c.runEnded()).contains(new GitHubEvent.RunEnd("acme/infra", 42, 3, "cancelled")));
        b.put("action", "in_progress");
        assertThat(GitHubEvent.parse("workflow_run", "d-2", b).runEnd()).isEmpty();
    }
}
