package dev.orgctl.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.testing.github.GitHubSchema.Refusal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a pull request carries besides title and body, as GitHub serves it: labels
 * ({@code POST /issues/{n}/labels}, creating a label the repository lacks), review requests
 * ({@code POST /pulls/{n}/requested_reviewers}), assignees ({@code POST /issues/{n}/assignees}),
 * and auto-merge ({@code enablePullRequestAutoMerge}, refused where the repository does not allow
 * it, with GitHub's message). Additions only, like GitHub's: what is there stays.
 */
final class FakePullSettings {
    private static final List<String> REPO_SCOPES = List.of("repo", "public_repo");

    private final GitHubFake f;

    FakePullSettings(GitHubFake fake) {
        this.f = fake;
    }

    void register() {
        f.http.route("POST", "/repos/{owner}/{repo}/issues/{number}/labels", this::addLabels);
        f.http.route("POST", "/repos/{owner}/{repo}/pulls/{number}/requested_reviewers", this::requestReviewers);
        f.http.route("POST", "/repos/{owner}/{repo}/issues/{number}/assignees", this::addAssignees);
    }

    private static FakePull pull(Call c) {
        FakePull p = FakeRest.pull(c);
        c.require(REPO_SCOPES, "pull_requests", "write");
        return p;
    }

    private static List<String> names(JsonNode array, String objectKey) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.isTextual() ? n.asText() : n.path(objectKey).asText());
        }
        return out;
    }

    private static void add(FakePull p, List<String> to, List<String> values) {
        synchronized (p) { // the fake serves requests on 16 threads
            for (String v : values) {
                if (!to.contains(v)) {
                    to.add(v);
                }
            }
        }
    }

    private Reply addLabels(Call c) {
        FakePull p = pull(c);
        JsonNode b = c.json();
        List<String> labels = names(b.isArray() ? b : b.path("labels"), "name");
        if (labels.isEmpty()) {
            throw HttpError.validation("Label", "missing_field", null);
        }
        add(p, p.labels, labels);
        p.settingsCalls.incrementAndGet();
        List<Object> out = new ArrayList<>();
        for (String l : p.labels) {
            out.add(label(f, p.repo, l));
        }
        return Reply.json(200, out);
    }

    private Reply requestReviewers(Call c) {
        FakePull p = pull(c);
        JsonNode b = c.json();
        List<String> users = names(b.path("reviewers"), "login");
        List<String> teams = names(b.path("team_reviewers"), "slug");
        if (users.contains(c.principal.login())) {
            // GitHub says "Review cannot be requested from pull request author." in a body its description
            // does not document for this 422; the fake sends the documented answer.
            return Reply.empty(422);
        }
        add(p, p.requestedReviewers, users);
        add(p, p.requestedTeams, teams);
        p.settingsCalls.incrementAndGet();
        return Reply.json(201, FakeRestJson.pullItem(f, p));
    }

    private Reply addAssignees(Call c) {
        FakePull p = pull(c);
        add(p, p.assignees, names(c.json().path("assignees"), "login"));
        p.settingsCalls.incrementAndGet();
        return Reply.json(201, issue(f, p));
    }

    /** {@code label}. */
    static Map<String, Object> label(GitHubFake f, FakeRepo r, String name) {
        long id = Integer.toUnsignedLong((r.fullName() + "/" + name).hashCode());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("node_id", "LA_" + id);
        m.put("url", f.url() + "/repos/" + r.fullName() + "/labels/" + name);
        m.put("name", name);
        m.put("description", ""); // pull-request-simple's labels have a non-null description
        m.put("color", "ededed");
        m.put("default", false);
        return m;
    }

    /**
     * A requested team of a pull request: {@code team-simple} in {@code pull-request}, {@code team}
     * (with its {@code parent}) in {@code pull-request-simple}.
     */
    static Map<String, Object> team(GitHubFake f, FakeRepo r, String slug, boolean withParent) {
        long id = Integer.toUnsignedLong((r.org.login + "/" + slug).hashCode());
        String api = f.url() + "/orgs/" + r.org.login + "/teams/" + slug;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("node_id", "T_" + id);
        m.put("url", api);
        m.put("html_url", f.url() + "/orgs/" + r.org.login + "/teams/" + slug);
        m.put("name", slug);
        m.put("slug", slug);
        m.put("description", null);
        m.put("privacy", "closed");
        m.put("notification_setting", "notifications_enabled");
        m.put("permission", "pull");
        m.put("members_url", api + "/members{/member}");
        m.put("repositories_url", api + "/repos");
        m.put("type", "organization");
        if (withParent) {
            m.put("parent", null);
        }
        return m;
    }

    static Map<String, Object> user(GitHubFake f, String login) {
        return FakeRestJson.user(f, login, Integer.toUnsignedLong(login.hashCode()), "User");
    }

    /** The fields of {@code pull-request} and {@code pull-request-simple} this class keeps. */
    static void putPullFields(GitHubFake f, FakePull p, Map<String, Object> m) {
        m.put("labels", p.labels.stream().map(l -> label(f, p.repo, l)).toList());
        m.put("assignee", p.assignees.isEmpty() ? null : user(f, p.assignees.get(0)));
        m.put("assignees", p.assignees.stream().map(a -> user(f, a)).toList());
        m.put("requested_reviewers", p.requestedReviewers.stream().map(a -> user(f, a)).toList());
        m.put("requested_teams", p.requestedTeams.stream().map(t -> team(f, p.repo, t, false)).toList());
        m.put("draft", p.draft);
        if (p.autoMergeMethod == null) {
            m.put("auto_merge", null);
        } else {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("enabled_by", FakeRestJson.org(f, p.repo.org));
            a.put("merge_method", p.autoMergeMethod.toLowerCase(Locale.ROOT));
            a.put("commit_title", p.title);
            a.put("commit_message", "");
            m.put("auto_merge", a);
        }
    }

    /** What {@code pull-request-simple} (listing, review requests) holds differently from {@code pull-request}. */
    static void putSimplePullFields(GitHubFake f, FakePull p, Map<String, Object> m) {
        m.put("requested_teams", p.requestedTeams.stream().map(t -> team(f, p.repo, t, true)).toList());
    }

    /** {@code issue}: a pull request seen as the issue it also is. */
    static Map<String, Object> issue(GitHubFake f, FakePull p) {
        String api = f.url() + "/repos/" + p.repo.fullName();
        String html = f.url() + "/" + p.repo.fullName();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id);
        m.put("node_id", p.nodeId());
        m.put("url", api + "/issues/" + p.number);
        m.put("repository_url", api);
        m.put("labels_url", api + "/issues/" + p.number + "/labels{/name}");
        m.put("comments_url", api + "/issues/" + p.number + "/comments");
        m.put("events_url", api + "/issues/" + p.number + "/events");
        m.put("html_url", html + "/pull/" + p.number);
        m.put("number", p.number);
        m.put("state", p.state);
        m.put("title", p.title);
        m.put("body", p.body);
        m.put("user", FakeRestJson.org(f, p.repo.org));
        m.put("labels", p.labels.stream().map(l -> label(f, p.repo, l)).toList());
        m.put("assignee", p.assignees.isEmpty() ? null : user(f, p.assignees.get(0)));
        m.put("assignees", p.assignees.stream().map(a -> user(f, a)).toList());
        m.put("milestone", null);
        m.put("locked", false);
        m.put("comments", p.comments);
        Map<String, Object> pr = new LinkedHashMap<>();
        pr.put("url", api + "/pulls/" + p.number);
        pr.put("html_url", html + "/pull/" + p.number);
        pr.put("diff_url", html + "/pull/" + p.number + ".diff");
        pr.put("patch_url", html + "/pull/" + p.number + ".patch");
        pr.put("merged_at", null);
        m.put("pull_request", pr);
        m.put("closed_at", p.state.equals("closed") ? FakeRestJson.seconds(p.updatedAt) : null);
        m.put("created_at", FakeRestJson.seconds(p.createdAt));
        m.put("updated_at", FakeRestJson.seconds(p.updatedAt));
        m.put("draft", p.draft);
        m.put("author_association", "OWNER");
        return m;
    }

    // ---------------------------------------------------------------- GraphQL

    /** {@code PullRequest.autoMergeRequest}: null while auto-merge is off. */
    static Object autoMergeRequest(FakePull p) {
        if (p.autoMergeMethod == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("__typename", "AutoMergeRequest");
        m.put("enabledAt", p.autoMergeEnabledAt.toString());
        m.put("mergeMethod", p.autoMergeMethod);
        m.put("pullRequest", p);
        return m;
    }

    /** {@code enablePullRequestAutoMerge}: GitHub's refusals where the repository does not allow it. */
    static Object enableAutoMerge(GitHubFake f, Map<String, Object> input) {
        String id = (String) input.get("pullRequestId");
        FakePull p = f.orgs.values().stream().flatMap(o -> o.repos.values().stream())
                .flatMap(r -> r.pulls.stream()).filter(x -> x.nodeId().equals(id)).findFirst()
                .orElseThrow(() -> new Refusal("NOT_FOUND", "Could not resolve to a node with the global id of '"
                        + id + "'"));
        if (!p.repo.autoMergeAllowed) {
            throw new Refusal("UNPROCESSABLE", "Pull request Auto merge is not allowed for this repository");
        }
        if (!p.state.equals("open")) {
            throw new Refusal("UNPROCESSABLE", "Pull request is not in the correct state to enable auto-merge");
        }
        String method = input.get("mergeMethod") == null ? "MERGE" : input.get("mergeMethod").toString();
        if (p.autoMergeMethod == null) {
            p.autoMergeEnabledAt = f.clock.instant();
        }
        p.autoMergeMethod = method;
        f.ci.autoMergeEnabled(p);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("__typename", "EnablePullRequestAutoMergePayload");
        payload.put("pullRequest", p);
        payload.put("clientMutationId", input.get("clientMutationId"));
        return payload;
    }
}
