package dev.orgctl.testing.github;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * The shapes of {@link FakeCi}'s answers and deliveries, with every field GitHub's REST description
 * ({@code check-suite}, {@code combined-commit-status}) and webhook schema ({@code check_suite
 * completed}, {@code workflow_run completed}, which allow no field they do not name) require.
 */
final class FakeCiJson {
    /** GitHub Actions' App id on github.com: its check suites name it. */
    static final long ACTIONS_APP_ID = 15368;
    static final String WORKFLOW_NAME = "CI";
    static final String WORKFLOW_PATH = ".github/workflows/ci.yml";
    /** The fields of the webhooks' {@code repository-lite} (workflow runs), which allows no other. */
    private static final List<String> REPOSITORY_LITE = List.of("archive_url", "assignees_url", "blobs_url",
            "branches_url", "collaborators_url", "comments_url", "commits_url", "compare_url", "contents_url",
            "contributors_url", "deployments_url", "description", "downloads_url", "events_url", "fork", "forks_url",
            "full_name", "git_commits_url", "git_refs_url", "git_tags_url", "hooks_url", "html_url", "id",
            "issue_comment_url", "issue_events_url", "issues_url", "keys_url", "labels_url", "languages_url",
            "merges_url", "milestones_url", "name", "node_id", "notifications_url", "owner", "private", "pulls_url",
            "releases_url", "stargazers_url", "statuses_url", "subscribers_url", "subscription_url", "tags_url",
            "teams_url", "trees_url", "url");

    private final GitHubFake f;

    FakeCiJson(GitHubFake fake) {
        this.f = fake;
    }

    /** A commit as check suites and workflow runs carry it ({@code simple-commit}, {@code commit-simple}). */
    static Map<String, Object> headCommit(RevCommit head) {
        Map<String, Object> commit = new LinkedHashMap<>();
        commit.put("id", head.name());
        commit.put("tree_id", head.getTree().name());
        commit.put("message", head.getFullMessage());
        commit.put("timestamp", Instant.ofEpochSecond(head.getCommitTime()).toString());
        commit.put("author", Map.of("name", head.getAuthorIdent().getName(), "email",
                head.getAuthorIdent().getEmailAddress()));
        commit.put("committer", Map.of("name", head.getCommitterIdent().getName(), "email",
                head.getCommitterIdent().getEmailAddress()));
        return commit;
    }

    /** What a check suite is in both the REST answer and the webhook payload. */
    record SuiteFields(long id, FakeRepo repo, String headBranch, String headSha, Optional<String> before,
                       String status, String conclusion, Map<String, Object> app, Instant createdAt,
                       Instant updatedAt) {
        Map<String, Object> json(GitHubFake f) {
            String api = f.url() + "/repos/" + repo.fullName();
            List<FakePull> pulls = repo.openPulls().stream()
                    .filter(p -> p.head.equals(headBranch) && repo.head(p.head).orElse("").equals(headSha)).toList();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("node_id", "CS_" + id);
            m.put("head_branch", headBranch);
            m.put("head_sha", headSha);
            m.put("status", status);
            m.put("conclusion", conclusion);
            m.put("url", api + "/check-suites/" + id);
            m.put("before", before.orElse(null));
            m.put("after", headSha);
            m.put("pull_requests", pulls.stream().map(p -> (Object) f.pullEvents.minimalPull(p)).toList());
            m.put("app", app);
            m.put("created_at", createdAt.toString());
            m.put("updated_at", updatedAt.toString());
            m.put("latest_check_runs_count", status.equals("queued") ? 0 : 1); // queued: no run started
            m.put("check_runs_url", api + "/check-suites/" + id + "/check-runs");
            m.put("head_commit", headCommit(repo.git.parse(headSha)));
            return m;
        }
    }

    private SuiteFields fields(FakeCi.Suite s) {
        return new SuiteFields(s.id, s.repo, s.headBranch, s.headSha, s.before, s.status, s.conclusion,
                actionsApp(s.repo), s.createdAt, s.updatedAt);
    }

    private Map<String, Object> actionsApp(FakeRepo repo) {
        return FakeChecks.appJson(f, ACTIONS_APP_ID, "github-actions", "GitHub Actions",
                FakeRestJson.user(f, "github", 9919, "Organization"), repo.createdAt);
    }

    /** {@code check-suite} of {@code GET .../commits/{ref}/check-suites}. */
    Map<String, Object> checkSuite(FakeCi.Suite s) {
        Map<String, Object> m = fields(s).json(f);
        m.put("repository", FakeRestJson.repo(f, s.repo));
        m.put("rerequestable", true);
        m.put("runs_rerequestable", true);
        return m;
    }

    /** {@code check_suite} {@code completed}. */
    Map<String, Object> checkSuiteEvent(FakeCi.Suite s) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("action", "completed");
        p.put("check_suite", fields(s).json(f));
        p.put("repository", f.webhooks.repository(FakeJson.repo(f, s.repo), s.repo));
        p.put("organization", f.webhooks.organization(s.repo.org));
        p.put("sender", f.webhooks.user(s.pusher));
        return p;
    }

    /** {@code workflow_run} {@code completed}: the suite's one run of the workflow {@value #WORKFLOW_NAME}. */
    Map<String, Object> workflowRunEvent(FakeCi.Suite s) {
        String api = f.url() + "/repos/" + s.repo.fullName();
        String html = f.url() + "/" + s.repo.fullName();
        long workflowId = s.repo.id * 10 + 1;
        RevCommit head = s.repo.git.parse(s.headSha);
        Map<String, Object> workflow = new LinkedHashMap<>();
        workflow.put("badge_url", html + "/workflows/CI/badge.svg");
        workflow.put("created_at", s.repo.createdAt.toString());
        workflow.put("html_url", html + "/blob/" + s.repo.defaultBranch + "/" + WORKFLOW_PATH);
        workflow.put("id", workflowId);
        workflow.put("name", WORKFLOW_NAME);
        workflow.put("node_id", "W_" + workflowId);
        workflow.put("path", WORKFLOW_PATH);
        workflow.put("state", "active");
        workflow.put("updated_at", s.repo.createdAt.toString());
        workflow.put("url", api + "/actions/workflows/" + workflowId);
        String run = api + "/actions/runs/" + s.runId;
        ObjectNode lite = repositoryLite(s.repo);
        ObjectNode actor = f.webhooks.user(s.pusher);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("artifacts_url", run + "/artifacts");
        r.put("cancel_url", run + "/cancel");
        r.put("check_suite_url", api + "/check-suites/" + s.id);
        r.put("check_suite_id", s.id);
        r.put("check_suite_node_id", "CS_" + s.id);
        r.put("conclusion", s.conclusion);
        r.put("created_at", s.createdAt.toString());
        r.put("event", "push");
        r.put("head_branch", s.headBranch);
        r.put("head_commit", headCommit(head));
        r.put("head_repository", lite);
        r.put("head_sha", s.headSha);
        r.put("path", WORKFLOW_PATH);
        r.put("display_title", head.getShortMessage());
        r.put("html_url", html + "/actions/runs/" + s.runId);
        r.put("id", s.runId);
        r.put("jobs_url", run + "/jobs");
        r.put("logs_url", run + "/logs");
        r.put("node_id", "WFR_" + s.runId);
        r.put("name", WORKFLOW_NAME);
        r.put("pull_requests", fields(s).json(f).get("pull_requests"));
        r.put("repository", lite);
        r.put("rerun_url", run + "/rerun");
        r.put("run_number", s.runId);
        r.put("status", s.status);
        r.put("updated_at", s.updatedAt.toString());
        r.put("url", run);
        r.put("workflow_id", workflowId);
        r.put("workflow_url", api + "/actions/workflows/" + workflowId);
        r.put("run_attempt", 1);
        r.put("run_started_at", s.createdAt.toString());
        r.put("previous_attempt_url", null);
        r.put("actor", actor);
        r.put("triggering_actor", actor);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("action", "completed");
        p.put("workflow", workflow);
        p.put("workflow_run", r);
        p.put("repository", f.webhooks.repository(FakeJson.repo(f, s.repo), s.repo));
        p.put("organization", f.webhooks.organization(s.repo.org));
        p.put("sender", actor);
        return p;
    }

    private ObjectNode repositoryLite(FakeRepo repo) {
        ObjectNode full = f.webhooks.repository(FakeJson.repo(f, repo), repo);
        full.retain(REPOSITORY_LITE);
        return full;
    }

    /**
     * {@code combined-commit-status}: the state over every context (failure if any failed or erred,
     * else pending if any is pending or there is none, else success) and one page of them.
     */
    Map<String, Object> combinedStatus(FakeRepo repo, String sha, List<FakeCi.Status> all, List<FakeCi.Status> page) {
        String api = f.url() + "/repos/" + repo.fullName();
        String state = all.stream().anyMatch(s -> s.state().equals("failure") || s.state().equals("error")) ? "failure"
                : all.isEmpty() || all.stream().anyMatch(s -> s.state().equals("pending")) ? "pending" : "success";
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", state);
        m.put("statuses", page.stream().map(s -> (Object) status(api, s)).toList());
        m.put("sha", sha);
        m.put("total_count", all.size());
        m.put("repository", FakeRestJson.repo(f, repo));
        m.put("commit_url", api + "/commits/" + sha);
        m.put("url", api + "/commits/" + sha + "/status");
        return m;
    }

    /** {@code status}: one context of a commit changed state; the branches whose head it is (at most 10). */
    Map<String, Object> statusEvent(FakeCi.Status s, FakeWebhooks.Actor sender) {
        FakeRepo repo = s.repo();
        String api = f.url() + "/repos/" + repo.fullName();
        String html = f.url() + "/" + repo.fullName();
        RevCommit c = repo.git.parse(s.sha());
        boolean verified = repo.verified.contains(s.sha());
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("author", person(c.getAuthorIdent()));
        inner.put("committer", person(c.getCommitterIdent()));
        inner.put("message", c.getFullMessage());
        inner.put("tree", Map.of("sha", c.getTree().name(), "url", api + "/git/trees/" + c.getTree().name()));
        inner.put("url", api + "/git/commits/" + s.sha());
        inner.put("comment_count", 0);
        Map<String, Object> verification = new LinkedHashMap<>();
        verification.put("verified", verified);
        verification.put("reason", verified ? "valid" : "unsigned");
        verification.put("signature", null);
        verification.put("payload", null);
        inner.put("verification", verification);
        Map<String, Object> commit = new LinkedHashMap<>();
        commit.put("sha", s.sha());
        commit.put("node_id", "C_" + s.sha());
        commit.put("commit", inner);
        commit.put("url", api + "/commits/" + s.sha());
        commit.put("html_url", html + "/commit/" + s.sha());
        commit.put("comments_url", api + "/commits/" + s.sha() + "/comments");
        commit.put("author", null); // the git identities are not GitHub accounts in the fake
        commit.put("committer", null);
        commit.put("parents", java.util.Arrays.stream(c.getParents()).map(p -> (Object) Map.of("sha", p.name(),
                "url", api + "/commits/" + p.name(), "html_url", html + "/commit/" + p.name())).toList());
        List<Object> branches = repo.git.refs("refs/heads/").entrySet().stream()
                .filter(e -> e.getValue().equals(s.sha())).limit(10)
                .map(e -> (Object) Map.of("name", e.getKey().substring("refs/heads/".length()), "commit",
                        Map.of("sha", s.sha(), "url", api + "/commits/" + s.sha()), "protected", false)).toList();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", s.id());
        p.put("sha", s.sha());
        p.put("name", repo.fullName());
        p.put("avatar_url", null);
        p.put("target_url", s.targetUrl());
        p.put("context", s.context());
        p.put("description", null);
        p.put("state", s.state());
        p.put("commit", commit);
        p.put("branches", branches);
        p.put("created_at", s.at().toString());
        p.put("updated_at", s.at().toString());
        p.put("repository", f.webhooks.repository(FakeJson.repo(f, repo), repo));
        p.put("organization", f.webhooks.organization(repo.org));
        p.put("sender", f.webhooks.user(sender));
        return p;
    }

    private static Map<String, Object> person(org.eclipse.jgit.lib.PersonIdent id) {
        return Map.of("name", id.getName(), "email", id.getEmailAddress(), "date", id.getWhenAsInstant().toString());
    }

    private Map<String, Object> status(String api, FakeCi.Status s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("description", null);
        m.put("id", s.id());
        m.put("node_id", "SC_" + s.id());
        m.put("state", s.state());
        m.put("context", s.context());
        m.put("target_url", s.targetUrl());
        m.put("avatar_url", null);
        m.put("url", api + "/statuses/" + s.sha());
        m.put("created_at", s.at().toString());
        m.put("updated_at", s.at().toString());
        return m;
    }
}
