package dev.orgctl.testing.github;

import java.util.LinkedHashMap;
import java.util.Map;

/** GitHub's JSON shapes for the fake's objects (the fields orgctl and typical clients read). */
final class FakeJson {
    private FakeJson() {
    }

    static Map<String, Object> owner(GitHubFake f, FakeOrg org) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("login", org.login);
        m.put("id", org.id);
        m.put("node_id", "O_" + org.id);
        m.put("url", f.url() + "/users/" + org.login);
        m.put("type", "Organization");
        m.put("site_admin", false);
        return m;
    }

    static Map<String, Object> orgSimple(GitHubFake f, FakeOrg org) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("login", org.login);
        m.put("id", org.id);
        m.put("node_id", "O_" + org.id);
        m.put("url", f.url() + "/orgs/" + org.login);
        m.put("repos_url", f.url() + "/orgs/" + org.login + "/repos");
        m.put("hooks_url", f.url() + "/orgs/" + org.login + "/hooks");
        m.put("description", null);
        return m;
    }

    /** The full repository object of {@code GET /repos/{o}/{r}} and the org listing. */
    static Map<String, Object> repo(GitHubFake f, FakeRepo r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id);
        m.put("node_id", r.nodeId());
        m.put("name", r.name);
        m.put("full_name", r.fullName());
        m.put("private", !"public".equals(r.visibility));
        m.put("owner", owner(f, r.org));
        m.put("html_url", f.url() + "/" + r.fullName());
        m.put("description", null);
        m.put("fork", false);
        m.put("url", f.url() + "/repos/" + r.fullName());
        m.put("git_url", "git://127.0.0.1/" + r.fullName() + ".git");
        m.put("clone_url", f.url() + "/" + r.fullName() + ".git");
        m.put("created_at", r.createdAt.toString());
        m.put("updated_at", r.pushedAt.toString());
        m.put("pushed_at", r.pushedAt.toString());
        m.put("language", r.language);
        m.put("archived", r.archived);
        m.put("disabled", false);
        m.put("visibility", r.visibility);
        m.put("topics", r.topics);
        m.put("default_branch", r.defaultBranch);
        return m;
    }

    /** The repository object inside push payloads: {@code created_at}/{@code pushed_at} are Unix seconds. */
    static Map<String, Object> pushRepo(GitHubFake f, FakeRepo r) {
        Map<String, Object> m = repo(f, r);
        m.put("created_at", r.createdAt.getEpochSecond());
        m.put("pushed_at", r.pushedAt.getEpochSecond());
        Map<String, Object> owner = owner(f, r.org);
        owner.put("name", r.org.login);
        owner.put("email", null);
        m.put("owner", owner);
        m.put("master_branch", r.defaultBranch);
        m.put("organization", r.org.login);
        return m;
    }

    static Map<String, Object> hook(GitHubFake f, FakeHook h) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("content_type", h.contentType);
        config.put("insecure_ssl", h.insecureSsl);
        if (h.secret != null && !h.secret.isEmpty()) {
            config.put("secret", "********");
        }
        config.put("url", h.url);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "Organization");
        m.put("id", h.id);
        m.put("name", "web");
        m.put("active", h.active);
        m.put("events", h.events);
        m.put("config", config);
        m.put("updated_at", h.updatedAt.toString());
        m.put("created_at", h.createdAt.toString());
        m.put("url", f.url() + "/orgs/" + h.org.login + "/hooks/" + h.id);
        m.put("ping_url", f.url() + "/orgs/" + h.org.login + "/hooks/" + h.id + "/pings");
        m.put("deliveries_url", f.url() + "/orgs/" + h.org.login + "/hooks/" + h.id + "/deliveries");
        return m;
    }

    /** An item of the deliveries list (no request/response). */
    static Map<String, Object> deliveryItem(FakeDelivery d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id());
        m.put("guid", d.guid());
        m.put("delivered_at", d.deliveredAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        m.put("redelivery", d.redelivery());
        m.put("duration", d.duration());
        m.put("status", d.status());
        m.put("status_code", d.statusCode());
        m.put("event", d.event());
        m.put("action", d.action());
        m.put("installation_id", d.installationId());
        m.put("repository_id", d.repositoryId());
        m.put("throttled_at", null);
        return m;
    }
}
