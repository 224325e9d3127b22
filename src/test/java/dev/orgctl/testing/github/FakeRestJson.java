package dev.orgctl.testing.github;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shapes of the fake's REST answers, with every field GitHub's REST description marks required
 * (the referee checks them): URLs follow GitHub's patterns under the fake's base URL, counters the
 * fake does not keep are zero, and what it does not model is null where the description allows it.
 */
final class FakeRestJson {
    private FakeRestJson() {
    }

    /** {@code simple-user}: an org or user as owner, author or account. */
    static Map<String, Object> user(GitHubFake f, String login, long id, String type) {
        // An App's bot is "name[bot]"; GitHub escapes the brackets in its URLs (users/x%5Bbot%5D).
        String path = java.net.URLEncoder.encode(login, java.nio.charset.StandardCharsets.UTF_8);
        String u = f.url() + "/users/" + path;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("login", login);
        m.put("id", id);
        m.put("node_id", (type.equals("Organization") ? "O_" : "U_") + id);
        m.put("avatar_url", f.url() + "/avatars/" + path);
        m.put("gravatar_id", "");
        m.put("url", u);
        m.put("html_url", f.url() + "/" + path);
        m.put("followers_url", u + "/followers");
        m.put("following_url", u + "/following{/other_user}");
        m.put("gists_url", u + "/gists{/gist_id}");
        m.put("starred_url", u + "/starred{/owner}{/repo}");
        m.put("subscriptions_url", u + "/subscriptions");
        m.put("organizations_url", u + "/orgs");
        m.put("repos_url", u + "/repos");
        m.put("events_url", u + "/events{/privacy}");
        m.put("received_events_url", u + "/received_events");
        m.put("type", type);
        m.put("site_admin", false);
        return m;
    }

    static Map<String, Object> org(GitHubFake f, FakeOrg org) {
        return user(f, org.login, org.id, "Organization");
    }

    static Map<String, Object> caller(GitHubFake f, Principal p) {
        return user(f, p.login(), p.userId(), p.kind() == Principal.Kind.USER ? "User" : "Bot");
    }

    /**
     * {@code full-repository} ({@code GET /repos/{o}/{r}}, {@code POST /orgs/{org}/repos}); the same
     * object is a valid {@code minimal-repository} of the org listing.
     */
    static Map<String, Object> repo(GitHubFake f, FakeRepo r) {
        String api = f.url() + "/repos/" + r.fullName();
        // The webhook shape, which names fewer fields, grown to the REST one.
        Map<String, Object> m = new LinkedHashMap<>(FakeJson.repo(f, r));
        m.put("owner", org(f, r.org));
        for (String plain : List.of("forks", "hooks", "events", "merges", "languages", "stargazers", "contributors",
                "subscribers", "subscription", "tags", "teams", "downloads", "deployments")) {
            m.put(plain + "_url", api + "/" + plain);
        }
        m.put("archive_url", api + "/{archive_format}{/ref}");
        m.put("assignees_url", api + "/assignees{/user}");
        m.put("blobs_url", api + "/git/blobs{/sha}");
        m.put("branches_url", api + "/branches{/branch}");
        m.put("collaborators_url", api + "/collaborators{/collaborator}");
        m.put("comments_url", api + "/comments{/number}");
        m.put("commits_url", api + "/commits{/sha}");
        m.put("compare_url", api + "/compare/{base}...{head}");
        m.put("contents_url", api + "/contents/{+path}");
        m.put("git_commits_url", api + "/git/commits{/sha}");
        m.put("git_refs_url", api + "/git/refs{/sha}");
        m.put("git_tags_url", api + "/git/tags{/sha}");
        m.put("issue_comment_url", api + "/issues/comments{/number}");
        m.put("issue_events_url", api + "/issues/events{/number}");
        m.put("issues_url", api + "/issues{/number}");
        m.put("keys_url", api + "/keys{/key_id}");
        m.put("labels_url", api + "/labels{/name}");
        m.put("milestones_url", api + "/milestones{/number}");
        m.put("notifications_url", api + "/notifications{?since,all,participating}");
        m.put("pulls_url", api + "/pulls{/number}");
        m.put("releases_url", api + "/releases{/id}");
        m.put("statuses_url", api + "/statuses/{sha}");
        m.put("trees_url", api + "/git/trees{/sha}");
        m.put("ssh_url", "git@127.0.0.1:" + r.fullName() + ".git");
        m.put("svn_url", f.url() + "/" + r.fullName());
        m.put("mirror_url", null);
        m.put("homepage", null);
        m.put("forks_count", 0);
        m.put("forks", 0);
        m.put("stargazers_count", 0);
        m.put("watchers_count", 0);
        m.put("watchers", 0);
        m.put("subscribers_count", 0);
        m.put("network_count", 0);
        m.put("size", 0);
        m.put("open_issues_count", 0);
        m.put("open_issues", 0);
        m.put("is_template", false);
        m.put("has_issues", true);
        m.put("has_projects", true);
        m.put("has_wiki", true);
        m.put("has_pages", false);
        m.put("has_downloads", true);
        m.put("has_discussions", false);
        m.put("license", null);
        m.put("pushed_at", seconds(r.pushedAt));
        m.put("created_at", seconds(r.createdAt));
        m.put("updated_at", seconds(r.pushedAt));
        return m;
    }

    /** {@code org-hook}. */
    static Map<String, Object> hook(GitHubFake f, FakeHook h) {
        Map<String, Object> m = FakeJson.hook(f, h);
        m.put("updated_at", seconds(h.updatedAt));
        m.put("created_at", seconds(h.createdAt));
        return m;
    }

    /** {@code pull-request}: what GitHub answers for one pull request, created, read or updated. */
    static Map<String, Object> pull(GitHubFake f, FakePull p) {
        String api = f.url() + "/repos/" + p.repo.fullName();
        String html = f.url() + "/" + p.repo.fullName();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", api + "/pulls/" + p.number);
        m.put("id", p.id);
        m.put("node_id", p.nodeId());
        m.put("html_url", html + "/pull/" + p.number);
        m.put("diff_url", html + "/pull/" + p.number + ".diff");
        m.put("patch_url", html + "/pull/" + p.number + ".patch");
        m.put("issue_url", api + "/issues/" + p.number);
        m.put("commits_url", api + "/pulls/" + p.number + "/commits");
        m.put("review_comments_url", api + "/pulls/" + p.number + "/comments");
        m.put("review_comment_url", api + "/pulls/comments{/number}");
        m.put("comments_url", api + "/issues/" + p.number + "/comments");
        String headSha = p.repo.head(p.head).orElse("0000000000000000000000000000000000000000");
        m.put("statuses_url", api + "/statuses/" + headSha);
        m.put("number", p.number);
        m.put("state", p.state);
        m.put("locked", false);
        m.put("title", p.title);
        m.put("user", org(f, p.repo.org));
        m.put("body", p.body);
        m.put("milestone", null);
        m.put("created_at", seconds(p.createdAt));
        m.put("updated_at", seconds(p.updatedAt));
        m.put("closed_at", p.state.equals("closed") ? seconds(p.updatedAt) : null);
        m.put("merged_at", p.merged ? seconds(p.mergedAt) : null);
        m.put("merge_commit_sha", p.mergeCommitSha);
        FakePullSettings.putPullFields(f, p, m); // labels, assignees, review requests, draft, auto_merge
        m.put("head", branch(f, p, p.head, headSha));
        m.put("base", branch(f, p, p.base, p.repo.head(p.base).orElse("0000000000000000000000000000000000000000")));
        Map<String, Object> links = new LinkedHashMap<>();
        links.put("self", Map.of("href", api + "/pulls/" + p.number));
        links.put("html", Map.of("href", html + "/pull/" + p.number));
        links.put("issue", Map.of("href", api + "/issues/" + p.number));
        links.put("comments", Map.of("href", api + "/issues/" + p.number + "/comments"));
        links.put("review_comments", Map.of("href", api + "/pulls/" + p.number + "/comments"));
        links.put("review_comment", Map.of("href", api + "/pulls/comments{/number}"));
        links.put("commits", Map.of("href", api + "/pulls/" + p.number + "/commits"));
        links.put("statuses", Map.of("href", api + "/statuses/" + headSha));
        m.put("_links", links);
        m.put("author_association", "OWNER");
        m.put("merged", p.merged);
        m.put("mergeable", null);
        m.put("mergeable_state", "unknown");
        m.put("merged_by", null);
        m.put("maintainer_can_modify", false);
        m.put("comments", p.comments);
        m.put("review_comments", 0);
        m.put("commits", 1);
        m.put("additions", 0);
        m.put("deletions", 0);
        m.put("changed_files", 0);
        return m;
    }

    /** {@code pull-request-simple}: an item of the pull request listing (no counters, no merge state). */
    static Map<String, Object> pullItem(GitHubFake f, FakePull p) {
        Map<String, Object> m = pull(f, p);
        for (String only : List.of("merged", "mergeable", "mergeable_state", "merged_by", "maintainer_can_modify",
                "comments", "review_comments", "commits", "additions", "deletions", "changed_files")) {
            m.remove(only);
        }
        FakePullSettings.putSimplePullFields(f, p, m);
        return m;
    }

    private static Map<String, Object> branch(GitHubFake f, FakePull p, String ref, String sha) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("label", p.repo.org.login + ":" + ref);
        m.put("ref", ref);
        m.put("sha", sha);
        m.put("user", org(f, p.repo.org));
        // The "repository" schema of a pull request's head and base lacks two counters of full-repository.
        Map<String, Object> repo = repo(f, p.repo);
        repo.remove("network_count");
        repo.remove("subscribers_count");
        m.put("repo", repo);
        return m;
    }

    /** {@code issue-comment}. */
    static Map<String, Object> comment(GitHubFake f, FakePull p, long id, String body, Principal who) {
        String api = f.url() + "/repos/" + p.repo.fullName();
        String now = seconds(f.clock.instant());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("node_id", "IC_" + id);
        m.put("url", api + "/issues/comments/" + id);
        m.put("html_url", f.url() + "/" + p.repo.fullName() + "/pull/" + p.number + "#issuecomment-" + id);
        m.put("issue_url", api + "/issues/" + p.number);
        m.put("body", body);
        m.put("user", caller(f, who));
        m.put("created_at", now);
        m.put("updated_at", now);
        m.put("author_association", "OWNER");
        return m;
    }

    /** {@code installation} of an App on an org. */
    static Map<String, Object> installation(GitHubFake f, FakeAuth.Installation inst, String appSlug) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", inst.id());
        m.put("account", org(f, inst.org()));
        m.put("repository_selection", "all");
        m.put("access_tokens_url", f.url() + "/app/installations/" + inst.id() + "/access_tokens");
        m.put("repositories_url", f.url() + "/installation/repositories");
        m.put("html_url", f.url() + "/organizations/" + inst.org().login + "/settings/installations/" + inst.id());
        m.put("app_id", inst.appId());
        m.put("app_slug", appSlug);
        m.put("target_id", inst.org().id);
        m.put("target_type", "Organization");
        m.put("permissions", inst.permissions());
        m.put("events", List.of("push"));
        m.put("created_at", seconds(Instant.EPOCH));
        m.put("updated_at", seconds(Instant.EPOCH));
        m.put("single_file_name", null);
        m.put("suspended_by", null);
        m.put("suspended_at", null);
        return m;
    }

    /** {@code integration}: the App itself ({@code GET /app}). */
    static Map<String, Object> app(GitHubFake f, Principal app) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", app.appId());
        m.put("slug", app.login());
        m.put("node_id", "A_" + app.appId());
        m.put("owner", user(f, "app-owner", app.appId() + 1, "Organization"));
        m.put("name", app.login());
        m.put("description", null);
        m.put("external_url", f.url() + "/apps/" + app.login());
        m.put("html_url", f.url() + "/apps/" + app.login());
        m.put("created_at", seconds(Instant.EPOCH));
        m.put("updated_at", seconds(Instant.EPOCH));
        m.put("permissions", Map.of());
        m.put("events", List.of());
        return m;
    }

    /** {@code hook-delivery}: one delivery with its request and response. */
    static Map<String, Object> delivery(FakeDelivery d) {
        Map<String, Object> m = FakeJson.deliveryItem(d);
        m.put("url", d.url());
        Object payload;
        try {
            payload = GitHubFake.JSON.readTree(d.payload());
        } catch (java.io.IOException e) {
            payload = new String(d.payload(), StandardCharsets.UTF_8);
        }
        m.put("request", Map.of("headers", d.requestHeaders(), "payload", payload));
        m.put("response", Map.of("headers", Map.of(), "payload", d.responseBody()));
        return m;
    }

    /** GitHub writes timestamps to the second ({@code 2011-01-26T19:01:12Z}). */
    static String seconds(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
