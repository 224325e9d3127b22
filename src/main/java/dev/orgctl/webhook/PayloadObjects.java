package dev.orgctl.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * GitHub's shapes of the objects every webhook payload carries ({@code sender}, {@code owner},
 * {@code organization}, {@code repository}), complete as {@code @octokit/webhooks-schemas} requires
 * them, for deliveries orgctl forges itself (the git backend's, the test fake's). A forger fills in
 * what it knows; the rest gets GitHub's conventional value: URLs derived from the object's own URL
 * exactly as GitHub derives them, counts 0, flags at their defaults.
 */
public final class PayloadObjects {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An account (user, bot or organization): its login, id and GitHub type, and where it lives. */
    public record Account(String login, long id, String nodeId, String type, String apiUrl, String htmlUrl) {
    }

    /** Repository URLs GitHub derives from the repository's API URL: name, suffix. */
    private static final List<Map.Entry<String, String>> REPO_LINKS = List.of(
            Map.entry("forks_url", "/forks"), Map.entry("keys_url", "/keys{/key_id}"),
            Map.entry("collaborators_url", "/collaborators{/collaborator}"), Map.entry("teams_url", "/teams"),
            Map.entry("hooks_url", "/hooks"), Map.entry("issue_events_url", "/issues/events{/number}"),
            Map.entry("events_url", "/events"), Map.entry("assignees_url", "/assignees{/user}"),
            Map.entry("branches_url", "/branches{/branch}"), Map.entry("tags_url", "/tags"),
            Map.entry("blobs_url", "/git/blobs{/sha}"), Map.entry("git_tags_url", "/git/tags{/sha}"),
            Map.entry("git_refs_url", "/git/refs{/sha}"), Map.entry("trees_url", "/git/trees{/sha}"),
            Map.entry("statuses_url", "/statuses/{sha}"), Map.entry("languages_url", "/languages"),
            Map.entry("stargazers_url", "/stargazers"), Map.entry("contributors_url", "/contributors"),
            Map.entry("subscribers_url", "/subscribers"), Map.entry("subscription_url", "/subscription"),
            Map.entry("commits_url", "/commits{/sha}"), Map.entry("git_commits_url", "/git/commits{/sha}"),
            Map.entry("comments_url", "/comments{/number}"), Map.entry("issue_comment_url", "/issues/comments{/number}"),
            Map.entry("contents_url", "/contents/{+path}"), Map.entry("compare_url", "/compare/{base}...{head}"),
            Map.entry("merges_url", "/merges"), Map.entry("archive_url", "/{archive_format}{/ref}"),
            Map.entry("downloads_url", "/downloads"), Map.entry("issues_url", "/issues{/number}"),
            Map.entry("pulls_url", "/pulls{/number}"), Map.entry("milestones_url", "/milestones{/number}"),
            Map.entry("notifications_url", "/notifications{?since,all,participating}"),
            Map.entry("labels_url", "/labels{/name}"), Map.entry("releases_url", "/releases{/id}"),
            Map.entry("deployments_url", "/deployments"));

    /** A user's URLs, derived from its API URL. */
    private static final List<Map.Entry<String, String>> USER_LINKS = List.of(
            Map.entry("followers_url", "/followers"), Map.entry("following_url", "/following{/other_user}"),
            Map.entry("gists_url", "/gists{/gist_id}"), Map.entry("starred_url", "/starred{/owner}{/repo}"),
            Map.entry("subscriptions_url", "/subscriptions"), Map.entry("organizations_url", "/orgs"),
            Map.entry("repos_url", "/repos"), Map.entry("events_url", "/events{/privacy}"),
            Map.entry("received_events_url", "/received_events"));

    /** An organization's URLs, derived from its API URL. */
    private static final List<Map.Entry<String, String>> ORG_LINKS = List.of(
            Map.entry("repos_url", "/repos"), Map.entry("events_url", "/events"), Map.entry("hooks_url", "/hooks"),
            Map.entry("issues_url", "/issues"), Map.entry("members_url", "/members{/member}"),
            Map.entry("public_members_url", "/public_members{/member}"));

    /** Counts a repository object carries; a forger knows none of them. */
    private static final List<String> REPO_COUNTS = List.of("size", "stargazers_count", "watchers_count",
            "forks_count", "open_issues_count", "forks", "open_issues", "watchers");

    private PayloadObjects() {
    }

    /** The {@code sender} / {@code owner} shape: GitHub's simple user. */
    public static ObjectNode user(Account a) {
        ObjectNode n = JSON.createObjectNode();
        n.put("login", a.login());
        n.put("id", a.id());
        n.put("node_id", a.nodeId());
        n.put("avatar_url", a.htmlUrl() + ".png"); // GitHub serves every account's avatar there
        n.put("gravatar_id", "");
        n.put("url", a.apiUrl());
        n.put("html_url", a.htmlUrl());
        links(n, a.apiUrl(), USER_LINKS);
        n.put("type", a.type());
        n.put("site_admin", false);
        return n;
    }

    /** The {@code organization} shape: GitHub's simple organization. */
    public static ObjectNode organization(Account org) {
        ObjectNode n = JSON.createObjectNode();
        n.put("login", org.login());
        n.put("id", org.id());
        n.put("node_id", org.nodeId());
        n.put("url", org.apiUrl());
        links(n, org.apiUrl(), ORG_LINKS);
        n.put("avatar_url", org.htmlUrl() + ".png");
        n.putNull("description");
        return n;
    }

    private static void links(ObjectNode n, String base, List<Map.Entry<String, String>> links) {
        for (Map.Entry<String, String> link : links) {
            putIfAbsent(n, link.getKey(), base + link.getValue());
        }
    }

    /**
     * Completes a {@code repository} object: every field the schema requires and {@code repo}
     * lacks gets GitHub's value derived from {@code repo.url}, {@code html_url} and
     * {@code clone_url}, or the default of a repository nobody starred, forked or configured.
     * Fields already present are kept as they are.
     */
    public static ObjectNode completeRepository(ObjectNode repo) {
        String api = repo.path("url").asText();
        String html = repo.path("html_url").asText(api);
        String clone = repo.path("clone_url").asText(html);
        links(repo, api, REPO_LINKS);
        putIfAbsent(repo, "git_url", clone);
        putIfAbsent(repo, "ssh_url", clone);
        putIfAbsent(repo, "svn_url", html);
        putIfAbsent(repo, "clone_url", clone);
        for (String count : REPO_COUNTS) {
            if (!repo.has(count)) {
                repo.put(count, 0);
            }
        }
        for (String field : List.of("description", "homepage", "mirror_url", "license", "language")) {
            if (!repo.has(field)) {
                repo.putNull(field);
            }
        }
        for (String flag : List.of("has_issues", "has_projects", "has_downloads", "has_wiki")) {
            if (!repo.has(flag)) {
                repo.put(flag, true);
            }
        }
        for (String flag : List.of("has_pages", "is_template", "web_commit_signoff_required", "fork", "archived")) {
            if (!repo.has(flag)) {
                repo.put(flag, false);
            }
        }
        if (!repo.has("topics")) {
            repo.putArray("topics");
        }
        if (!repo.has("custom_properties")) {
            repo.putObject("custom_properties");
        }
        return repo;
    }

    private static void putIfAbsent(ObjectNode n, String field, String value) {
        if (!n.has(field)) {
            n.put(field, value);
        }
    }
}
