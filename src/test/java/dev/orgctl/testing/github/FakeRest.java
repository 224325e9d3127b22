package dev.orgctl.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/** The REST endpoints of the fake. Paths, bodies and status codes follow GitHub's REST reference. */
final class FakeRest {
    private static final List<String> HOOK_SCOPES = List.of("admin:org_hook");
    private static final List<String> REPO_SCOPES = List.of("repo", "public_repo");

    private final GitHubFake f;

    FakeRest(GitHubFake fake) {
        this.f = fake;
    }

    void register() {
        // GitHub App endpoints (JWT).
        f.http.route("GET", "/app", c -> Reply.json(200, FakeRestJson.app(f, c.principal)), true);
        f.http.route("GET", "/orgs/{org}/installation", this::orgInstallation, true);
        f.http.route("POST", "/app/installations/{id}/access_tokens", this::accessToken, true);
        // Everything else takes a token.
        f.http.route("GET", "/rate_limit", this::rateLimit);
        f.http.route("GET", "/orgs/{org}/repos", this::listRepos);
        f.http.route("POST", "/orgs/{org}/repos", this::createRepo);
        f.http.route("GET", "/repos/{owner}/{repo}", c -> Reply.json(200, FakeRestJson.repo(f, c.requireRepo())));
        f.http.route("GET", "/repos/{owner}/{repo}/git/ref/{ref+}", this::getRef);
        f.http.route("GET", "/repos/{owner}/{repo}/git/matching-refs/{ref+}", this::matchingRefs);
        f.http.route("GET", "/repos/{owner}/{repo}/git/commits/{sha}", this::getCommit);
        f.http.route("GET", "/repos/{owner}/{repo}/git/blobs/{sha}", this::getBlob);
        f.http.route("GET", "/repos/{owner}/{repo}/git/trees/{sha+}", this::getTree);
        f.http.route("POST", "/repos/{owner}/{repo}/git/blobs", this::createBlob);
        f.http.route("POST", "/repos/{owner}/{repo}/git/trees", this::createTree);
        f.http.route("POST", "/repos/{owner}/{repo}/git/commits", this::createCommit);
        f.http.route("POST", "/repos/{owner}/{repo}/git/refs", this::createRef);
        f.http.route("PATCH", "/repos/{owner}/{repo}/git/refs/{ref+}", this::updateRef);
        f.http.route("DELETE", "/repos/{owner}/{repo}/git/refs/{ref+}", this::deleteRef);
        f.http.route("GET", "/repos/{owner}/{repo}/pulls", this::listPulls);
        f.http.route("POST", "/repos/{owner}/{repo}/pulls", this::createPull);
        f.http.route("GET", "/repos/{owner}/{repo}/pulls/{number}",
                c -> Reply.json(200, FakeRestJson.pull(f, pull(c))));
        f.http.route("PATCH", "/repos/{owner}/{repo}/pulls/{number}", this::updatePull);
        f.http.route("POST", "/repos/{owner}/{repo}/issues/{number}/comments", this::comment);
        f.http.route("GET", "/orgs/{org}/hooks", this::listHooks);
        f.http.route("POST", "/orgs/{org}/hooks", this::createHook);
        f.http.route("GET", "/orgs/{org}/hooks/{hook_id}", c -> {
            c.require(HOOK_SCOPES, "organization_hooks", "read");
            return Reply.json(200, FakeRestJson.hook(f, hook(c)));
        });
        f.http.route("PATCH", "/orgs/{org}/hooks/{hook_id}", this::updateHook);
        f.http.route("DELETE", "/orgs/{org}/hooks/{hook_id}", c -> {
            c.require(HOOK_SCOPES, "organization_hooks", "write");
            FakeHook h = hook(c);
            h.org.hooks.remove(h);
            return Reply.empty(204);
        });
        f.http.route("POST", "/orgs/{org}/hooks/{hook_id}/pings", c -> {
            c.require(HOOK_SCOPES, "organization_hooks", "write");
            f.webhooks.ping(hook(c), FakeWebhooks.Actor.of(c.principal));
            return Reply.empty(204);
        });
        f.http.route("GET", "/orgs/{org}/hooks/{hook_id}/deliveries", this::listDeliveries);
        f.http.route("GET", "/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}", c -> {
            c.require(HOOK_SCOPES, "organization_hooks", "read");
            FakeHook h = hook(c);
            return Reply.json(200, FakeRestJson.delivery(delivery(c, h)));
        });
        f.http.route("POST", "/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts", c -> {
            c.require(HOOK_SCOPES, "organization_hooks", "write");
            FakeHook h = hook(c);
            f.webhooks.redeliver(h, delivery(c, h).id());
            return Reply.json(202, Map.of());
        });
        f.http.route("POST", "/graphql", c -> {
            throw new IllegalStateException("GraphQL is dispatched by the server");
        });
    }

    // ---------------------------------------------------------------- App

    private Reply orgInstallation(Call c) {
        FakeOrg org = c.requireOrg();
        FakeAuth.Installation inst = f.auth.installations.values().stream()
                .filter(i -> i.org() == org && i.appId() == c.principal.appId()).findFirst()
                .orElseThrow(HttpError::notFound);
        return Reply.json(200, FakeRestJson.installation(f, inst, c.principal.login()));
    }

    private Reply accessToken(Call c) {
        long id = Long.parseLong(c.param("id"));
        FakeAuth.Installation inst = f.auth.installations.get(id);
        if (inst == null || inst.appId() != c.principal.appId()) {
            throw HttpError.notFound();
        }
        return Reply.json(201, f.auth.issueInstallationToken(inst));
    }

    /** {@code rate-limit-overview}: the caller's core, search and graphql limits. */
    private Reply rateLimit(Call c) {
        Map<String, Object> resources = new LinkedHashMap<>();
        for (String resource : List.of("core", "search", "graphql")) {
            FakeLimits.State s = f.limits.state(c.principal.account(), resource);
            resources.put(resource, Map.of("limit", s.limit(), "remaining", s.remaining(), "reset", s.reset(),
                    "used", s.used()));
        }
        return Reply.json(200, Map.of("resources", resources, "rate", resources.get("core")));
    }

    // ---------------------------------------------------------------- repositories

    private Reply listRepos(Call c) {
        FakeOrg org = c.requireOrg();
        List<FakeRepo> repos = new ArrayList<>(org.repos.values());
        if (c.principal.kind() == Principal.Kind.INSTALLATION
                && f.auth.installations.get(c.principal.installationId()).org() != org) {
            repos.clear();
        }
        String sort = c.query.getOrDefault("sort", "created");
        if (sort.equals("full_name")) {
            repos.sort(Comparator.comparing(FakeRepo::fullName, String.CASE_INSENSITIVE_ORDER));
            if ("desc".equals(c.query.get("direction"))) {
                java.util.Collections.reverse(repos);
            }
        } else {
            // GitHub's default: newest first (direction desc unless sorting by full_name).
            repos.sort(Comparator.comparing((FakeRepo r) -> r.id).reversed());
            if ("asc".equals(c.query.get("direction"))) {
                java.util.Collections.reverse(repos);
            }
        }
        List<Object> items = new ArrayList<>();
        repos.forEach(r -> items.add(FakeRestJson.repo(f, r)));
        return page(c, items);
    }

    private Reply createRepo(Call c) {
        FakeOrg org = c.requireOrg();
        c.require(REPO_SCOPES, "administration", "write");
        JsonNode b = c.json();
        String name = b.path("name").asText("");
        if (name.isEmpty() || !name.matches("[A-Za-z0-9._-]+")) {
            throw HttpError.validation("Repository", "custom", "name is invalid");
        }
        if (org.repo(name).isPresent()) {
            throw HttpError.validation("Repository", "custom", "name already exists on this account");
        }
        String visibility = b.path("visibility").asText(b.path("private").asBoolean(false) ? "private" : "public");
        RepoSpec spec = RepoSpec.named(name).visibility(visibility);
        if (!b.path("auto_init").asBoolean(false)) {
            spec = spec.files(Map.of());
        }
        FakeRepo r = f.writes.createRepo(org, spec,
                new Person(c.principal.login(), c.principal.name(), c.principal.email()));
        c.repo = r;
        return Reply.json(201, FakeRestJson.repo(f, r));
    }

    // ---------------------------------------------------------------- git data

    private Reply getRef(Call c) {
        FakeRepo r = c.requireRepo();
        c.require(REPO_SCOPES, "contents", "read");
        String ref = "refs/" + c.param("ref");
        String sha = r.git.ref(ref).orElseThrow(HttpError::notFound);
        return Reply.json(200, refJson(r, ref, sha));
    }

    /** Every ref starting with the prefix; none is an empty list (200), not a 404. */
    private Reply matchingRefs(Call c) {
        FakeRepo r = c.requireRepo();
        c.require(REPO_SCOPES, "contents", "read");
        List<Object> out = new ArrayList<>();
        r.git.refs("refs/" + c.param("ref")).forEach((ref, sha) -> out.add(refJson(r, ref, sha)));
        return Reply.json(200, out);
    }

    private Map<String, Object> refJson(FakeRepo r, String ref, String sha) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ref", ref);
        m.put("node_id", "REF_" + r.id + "_" + ref.hashCode());
        m.put("url", f.url() + "/repos/" + r.fullName() + "/git/" + ref);
        m.put("object", Map.of("sha", sha, "type", "commit", "url",
                f.url() + "/repos/" + r.fullName() + "/git/commits/" + sha));
        return m;
    }

    private Reply getCommit(Call c) {
        FakeRepo r = c.requireRepo();
        c.require(REPO_SCOPES, "contents", "read");
        String sha = c.param("sha");
        if (!r.git.exists(sha, Constants.OBJ_COMMIT)) {
            throw HttpError.notFound();
        }
        return Reply.json(200, commitJson(r, r.git.parse(sha)));
    }

    private Map<String, Object> commitJson(FakeRepo r, RevCommit rc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sha", rc.name());
        m.put("node_id", "C_" + rc.name());
        m.put("url", f.url() + "/repos/" + r.fullName() + "/git/commits/" + rc.name());
        m.put("html_url", f.url() + "/" + r.fullName() + "/commit/" + rc.name());
        m.put("author", person(rc.getAuthorIdent()));
        m.put("committer", person(rc.getCommitterIdent()));
        m.put("message", rc.getFullMessage());
        m.put("tree", Map.of("sha", rc.getTree().name(), "url", f.url() + "/repos/" + r.fullName() + "/git/trees/"
                + rc.getTree().name()));
        List<Object> parents = new ArrayList<>();
        for (RevCommit p : rc.getParents()) {
            parents.add(Map.of("sha", p.name(), "url", f.url() + "/repos/" + r.fullName() + "/git/commits/" + p.name(),
                    "html_url", f.url() + "/" + r.fullName() + "/commit/" + p.name()));
        }
        m.put("parents", parents);
        boolean v = r.verified.contains(rc.name());
        Map<String, Object> verification = new LinkedHashMap<>();
        verification.put("verified", v);
        verification.put("reason", v ? "valid" : "unsigned");
        verification.put("signature", null);
        verification.put("payload", null);
        verification.put("verified_at", v ? FakeRestJson.seconds(rc.getCommitterIdent().getWhenAsInstant()) : null);
        m.put("verification", verification);
        return m;
    }

    private static Map<String, Object> person(PersonIdent p) {
        return Map.of("name", p.getName(), "email", p.getEmailAddress(), "date",
                p.getWhenAsInstant().toString());
    }

    private Reply getBlob(Call c) {
        FakeRepo r = c.requireRepo();
        c.require(REPO_SCOPES, "contents", "read");
        String sha = c.param("sha");
        byte[] b = r.git.blob(sha).orElseThrow(HttpError::notFound);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sha", sha);
        m.put("node_id", "B_" + sha);
        m.put("size", b.length);
        m.put("url", f.url() + "/repos/" + r.fullName() + "/git/blobs/" + sha);
        m.put("content", Base64.getMimeEncoder(60, new byte[] {'\n'}).encodeToString(b) + "\n");
        m.put("encoding", "base64");
        return Reply.json(200, m);
    }

    private Reply getTree(Call c) {
        FakeRepo r = c.requireRepo();
        c.require(REPO_SCOPES, "contents", "read");
        String sha = c.param("sha");
        String tree;
        if (r.git.exists(sha, Constants.OBJ_TREE)) {
            tree = sha;
        } else {
            String commit = r.resolve(sha).filter(x -> r.git.exists(x, Constants.OBJ_COMMIT))
                    .orElseThrow(HttpError::notFound);
            tree = r.git.parse(commit).getTree().name();
        }
        boolean recursive = c.query.containsKey("recursive");
        List<Object> entries = new ArrayList<>();
        collect(r, tree, "", recursive, entries);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sha", tree);
        m.put("url", f.url() + "/repos/" + r.fullName() + "/git/trees/" + tree);
        m.put("tree", entries);
        m.put("truncated", false);
        return Reply.json(200, m);
    }

    private void collect(FakeRepo r, String tree, String prefix, boolean recursive, List<Object> out) {
        for (FakeGit.Entry e : r.git.children(tree, prefix)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", e.path());
            m.put("mode", Integer.toOctalString(e.mode()));
            m.put("type", e.type());
            m.put("sha", e.oid());
            m.put("url", f.url() + "/repos/" + r.fullName() + "/git/" + e.type() + "s/" + e.oid());
            out.add(m);
            if (recursive && e.type().equals("tree")) {
                collect(r, e.oid(), e.path(), true, out);
            }
        }
    }

    private Reply createBlob(Call c) {
        FakeRepo r = c.requireRepo();
        c.require(REPO_SCOPES, "contents", "write");
        JsonNode b = c.json();
        if (!b.has("content")) {
            throw HttpError.validation("Blob", "missing_field", "content is missing");
        }
        String enc = b.path("encoding").asText("utf-8");
        byte[] content = enc.equals("base64") ? Base64.getMimeDecoder().decode(b.path("content").asText())
                : b.path("content").asText().getBytes(StandardCharsets.UTF_8);
        String sha = r.git.insertBlob(content);
        return Reply.json(201, Map.of("sha", sha, "url", f.url() + "/repos/" + r.fullName() + "/git/blobs/" + sha));
    }

    private Reply createTree(Call c) {
        FakeRepo r = c.requireRepo();
        c.require(REPO_SCOPES, "contents", "write");
        JsonNode b = c.json();
        Optional<String> base = Optional.ofNullable(b.path("base_tree").isTextual() ? b.path("base_tree").asText() : null);
        if (base.isPresent() && !r.git.exists(base.get(), Constants.OBJ_TREE)) {
            throw HttpError.validation("Tree", "invalid", "base_tree is not a valid tree oid");
        }
        List<FakeGit.TreeEdit> edits = new ArrayList<>();
        for (JsonNode e : b.path("tree")) {
            String path = e.path("path").asText("");
            int mode = Integer.parseInt(e.path("mode").asText("100644"), 8);
            if (e.has("content")) {
                edits.add(new FakeGit.TreeEdit(path, mode,
                        r.git.insertBlob(e.path("content").asText().getBytes(StandardCharsets.UTF_8))));
            } else if (e.path("sha").isNull()) {
                edits.add(new FakeGit.TreeEdit(path, mode, null));
            } else {
                String sha = e.path("sha").asText();
                if (!r.git.exists(sha, Constants.OBJ_BLOB)) {
                    throw HttpError.validation("Tree", "invalid", "tree.sha " + sha + " is not a valid blob");
                }
                edits.add(new FakeGit.TreeEdit(path, mode, sha));
            }
        }
        String tree = r.git.tree(base, edits);
        List<Object> entries = new ArrayList<>();
        collect(r, tree, "", false, entries);
        return Reply.json(201, Map.of("sha", tree, "url", f.url() + "/repos/" + r.fullName() + "/git/trees/" + tree,
                "tree", entries, "truncated", false));
    }

    private Reply createCommit(Call c) {
        FakeRepo r = c.requireRepo();
        c.require(REPO_SCOPES, "contents", "write");
        JsonNode b = c.json();
        String tree = b.path("tree").asText("");
        if (!r.git.exists(tree, Constants.OBJ_TREE)) {
            throw HttpError.validation("Commit", "invalid", "tree is not a valid tree oid");
        }
        List<String> parents = new ArrayList<>();
        for (JsonNode p : b.path("parents")) {
            if (!r.git.exists(p.asText(), Constants.OBJ_COMMIT)) {
                throw HttpError.validation("Commit", "invalid", "parent " + p.asText() + " does not exist");
            }
            parents.add(p.asText());
        }
        PersonIdent id = f.writes.identity(c.principal);
        PersonIdent author = b.path("author").has("name")
                ? new PersonIdent(b.path("author").path("name").asText(), b.path("author").path("email").asText()) : id;
        String sha = r.git.commitTree(tree, parents, author, id, b.path("message").asText(""));
        return Reply.json(201, commitJson(r, r.git.parse(sha)));
    }

    private Reply createRef(Call c) {
        FakeRepo r = c.requireRepo();
        c.require(REPO_SCOPES, "contents", "write");
        JsonNode b = c.json();
        String ref = b.path("ref").asText("");
        String sha = b.path("sha").asText("");
        if (!ref.startsWith("refs/") || ref.split("/").length < 3) {
            throw HttpError.validation("Reference", "custom", "Reference name must start with 'refs/' and have at least two slashes.");
        }
        if (!r.git.exists(sha, Constants.OBJ_COMMIT)) {
            throw new HttpError(422, "Object does not exist");
        }
        if (!updateRefChecked(c, r, ref, Optional.empty(), sha)) {
            throw new HttpError(422, "Reference already exists");
        }
        return Reply.json(201, refJson(r, ref, sha));
    }

    private Reply updateRef(Call c) {
        FakeRepo r = c.requireRepo();
        c.require(REPO_SCOPES, "contents", "write");
        JsonNode b = c.json();
        String ref = "refs/" + c.param("ref");
        String sha = b.path("sha").asText("");
        boolean force = b.path("force").asBoolean(false);
        Optional<String> current = r.git.ref(ref);
        if (current.isEmpty()) {
            throw new HttpError(422, "Reference does not exist");
        }
        if (!r.git.exists(sha, Constants.OBJ_COMMIT)) {
            throw new HttpError(422, "Object does not exist");
        }
        if (!force && !r.git.isAncestor(current.get(), sha)) {
            throw new HttpError(422, "Update is not a fast forward");
        }
        if (!updateRefChecked(c, r, ref, current, sha)) {
            throw new HttpError(422, "Update is not a fast forward"); // lost a race with another push
        }
        return Reply.json(200, refJson(r, ref, sha));
    }

    private Reply deleteRef(Call c) {
        FakeRepo r = c.requireRepo();
        c.require(REPO_SCOPES, "contents", "write");
        String ref = "refs/" + c.param("ref");
        Optional<String> current = r.git.ref(ref);
        if (current.isEmpty() || !updateRefChecked(c, r, ref, current, null)) {
            throw new HttpError(422, "Reference does not exist");
        }
        return Reply.empty(204);
    }

    private boolean updateRefChecked(Call c, FakeRepo r, String ref, Optional<String> expected, String sha) {
        try {
            return f.writes.updateRef(r, ref, expected, sha, c.principal);
        } catch (FakeWrites.WorkflowRefused e) {
            throw new HttpError(403, e.getMessage(), List.of(), e.app ? Map.of("X-Accepted-GitHub-Permissions",
                    "workflows=write") : Map.of("X-Accepted-OAuth-Scopes", "workflow"));
        }
    }

    // ---------------------------------------------------------------- pull requests

    private Reply listPulls(Call c) {
        FakeRepo r = c.requireRepo();
        c.require(REPO_SCOPES, "pull_requests", "read");
        String state = c.query.getOrDefault("state", "open");
        String head = c.query.get("head");
        String base = c.query.get("base");
        List<Object> items = new ArrayList<>();
        for (FakePull p : r.pulls) {
            if (!state.equals("all") && !p.state.equals(state)) {
                continue;
            }
            if (head != null && !head.equals(r.org.login + ":" + p.head) && !head.equals(p.head)) {
                continue;
            }
            if (base != null && !base.equals(p.base)) {
                continue;
            }
            items.add(FakeRestJson.pullItem(f, p));
        }
        return page(c, items);
    }

    private Reply createPull(Call c) {
        FakeRepo r = c.requireRepo();
        c.require(REPO_SCOPES, "pull_requests", "write");
        JsonNode b = c.json();
        String head = b.path("head").asText("");
        if (head.contains(":")) {
            head = head.substring(head.indexOf(':') + 1);
        }
        String base = b.path("base").asText("");
        String title = b.path("title").asText("");
        if (title.isEmpty()) {
            throw HttpError.validation("PullRequest", "missing_field", null);
        }
        Optional<String> headSha = r.head(head);
        Optional<String> baseSha = r.head(base);
        if (headSha.isEmpty()) {
            throw new HttpError(422, "Validation Failed", List.of(Map.of("resource", "PullRequest", "field", "head",
                    "code", "invalid")), Map.of());
        }
        if (baseSha.isEmpty()) {
            throw new HttpError(422, "Validation Failed", List.of(Map.of("resource", "PullRequest", "field", "base",
                    "code", "invalid")), Map.of());
        }
        final String h = head;
        if (r.pulls.stream().anyMatch(p -> p.state.equals("open") && p.head.equals(h) && p.base.equals(base))) {
            throw HttpError.validation("PullRequest", "custom", "A pull request already exists for " + r.org.login
                    + ":" + head + ".");
        }
        if (r.git.isAncestor(headSha.get(), baseSha.get())) {
            throw HttpError.validation("PullRequest", "custom", "No commits between " + base + " and " + head);
        }
        FakePull p = new FakePull(f.ids.incrementAndGet(), r.pulls.size() + 1, r, title,
                b.path("body").isTextual() ? b.path("body").asText() : null, head, base, f.clock.instant());
        p.draft = b.path("draft").asBoolean(false);
        r.pulls.add(p);
        return Reply.json(201, FakeRestJson.pull(f, p));
    }

    private Reply updatePull(Call c) {
        c.require(REPO_SCOPES, "pull_requests", "write");
        FakePull p = pull(c);
        JsonNode b = c.json();
        if (b.has("title")) {
            p.title = b.path("title").asText();
        }
        if (b.has("body")) {
            p.body = b.path("body").isNull() ? null : b.path("body").asText();
        }
        if (b.has("state")) {
            String s = b.path("state").asText();
            if (!s.equals("open") && !s.equals("closed")) {
                throw HttpError.validation("PullRequest", "invalid", "state must be open or closed");
            }
            p.state = s;
        }
        p.updatedAt = f.clock.instant();
        return Reply.json(200, FakeRestJson.pull(f, p));
    }

    private Reply comment(Call c) {
        c.require(REPO_SCOPES, "pull_requests", "write");
        FakePull p = pull(c);
        synchronized (p) { // the fake serves requests on 16 threads
            p.comments++;
        }
        long id = f.ids.incrementAndGet();
        p.commentBodies.put(id, c.json().path("body").asText(""));
        return Reply.json(201, FakeRestJson.comment(f, p, id, c.json().path("body").asText(""), c.principal));
    }

    /** The pull request {@code {number}} of the call's repository (also {@link FakePullSettings}'). */
    static FakePull pull(Call c) {
        FakeRepo r = c.requireRepo();
        int n;
        try {
            n = Integer.parseInt(c.param("number"));
        } catch (NumberFormatException e) {
            throw HttpError.notFound();
        }
        return r.pulls.stream().filter(p -> p.number == n).findFirst().orElseThrow(HttpError::notFound);
    }

    // ---------------------------------------------------------------- hooks

    private Reply listHooks(Call c) {
        FakeOrg org = c.requireOrg();
        c.require(HOOK_SCOPES, "organization_hooks", "read");
        List<Object> items = new ArrayList<>();
        org.hooks.forEach(h -> items.add(FakeRestJson.hook(f, h)));
        return page(c, items);
    }

    private Reply createHook(Call c) {
        FakeOrg org = c.requireOrg();
        c.require(HOOK_SCOPES, "organization_hooks", "write");
        JsonNode b = c.json();
        String name = b.path("name").asText("web");
        if (!name.equals("web")) {
            throw HttpError.validation("Hook", "invalid", "name must be 'web'");
        }
        JsonNode config = b.path("config");
        String url = config.path("url").asText("");
        if (url.isEmpty()) {
            throw HttpError.validation("Hook", "custom", "Config must contain URL for webhooks");
        }
        if (org.hooks.stream().anyMatch(h -> h.url.equals(url))) {
            throw HttpError.validation("Hook", "custom", "Hook already exists on this organization");
        }
        List<String> events = new ArrayList<>();
        b.path("events").forEach(e -> events.add(e.asText()));
        if (events.isEmpty()) {
            events.add("push");
        }
        FakeHook h = f.writes.createHook(org, url, config.path("content_type").asText("form"),
                config.path("secret").asText(""), config.path("insecure_ssl").asText("0"), events,
                b.path("active").asBoolean(true));
        return Reply.json(201, FakeRestJson.hook(f, h));
    }

    private Reply updateHook(Call c) {
        c.require(HOOK_SCOPES, "organization_hooks", "write");
        FakeHook h = hook(c);
        JsonNode b = c.json();
        JsonNode config = b.path("config");
        if (config.isObject()) {
            if (config.has("url")) {
                String url = config.path("url").asText();
                if (h.org.hooks.stream().anyMatch(o -> o != h && o.url.equals(url))) {
                    throw HttpError.validation("Hook", "custom", "Hook already exists on this organization");
                }
                h.url = url;
            }
            if (config.has("content_type")) {
                h.contentType = config.path("content_type").asText();
            }
            if (config.has("secret")) {
                h.secret = config.path("secret").asText();
            }
            if (config.has("insecure_ssl")) {
                h.insecureSsl = config.path("insecure_ssl").asText();
            }
        }
        if (b.has("events")) {
            List<String> events = new ArrayList<>();
            b.path("events").forEach(e -> events.add(e.asText()));
            h.events = List.copyOf(events);
        }
        if (b.has("active")) {
            h.active = b.path("active").asBoolean();
        }
        h.updatedAt = f.clock.instant();
        return Reply.json(200, FakeRestJson.hook(f, h));
    }

    private FakeHook hook(Call c) {
        FakeOrg org = c.requireOrg();
        long id;
        try {
            id = Long.parseLong(c.param("hook_id"));
        } catch (NumberFormatException e) {
            throw HttpError.notFound();
        }
        return org.hooks.stream().filter(h -> h.id == id).findFirst().orElseThrow(HttpError::notFound);
    }

    private FakeDelivery delivery(Call c, FakeHook h) {
        long id;
        try {
            id = Long.parseLong(c.param("delivery_id"));
        } catch (NumberFormatException e) {
            throw HttpError.notFound();
        }
        return f.webhooks.delivery(id).filter(d -> d.hookId() == h.id).orElseThrow(HttpError::notFound);
    }

    /** Newest first, cursor pagination: {@code cursor=v1_<id>} continues below that delivery. */
    private Reply listDeliveries(Call c) {
        c.require(HOOK_SCOPES, "organization_hooks", "read");
        FakeHook h = hook(c);
        int perPage = Math.min(100, Integer.parseInt(c.query.getOrDefault("per_page", "30")));
        long below = Long.MAX_VALUE;
        String cursor = c.query.get("cursor");
        if (cursor != null && cursor.startsWith("v1_")) {
            below = Long.parseLong(cursor.substring(3));
        }
        List<FakeDelivery> all = new ArrayList<>(f.webhooks.deliveries());
        all.removeIf(d -> d.hookId() != h.id);
        all.sort(Comparator.comparingLong(FakeDelivery::id).reversed());
        List<Object> items = new ArrayList<>();
        long last = -1;
        boolean more = false;
        for (FakeDelivery d : all) {
            if (d.id() >= below) {
                continue;
            }
            if (items.size() == perPage) {
                more = true;
                break;
            }
            items.add(FakeJson.deliveryItem(d));
            last = d.id();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (more) {
            headers.put("Link", "<" + f.url() + "/orgs/" + h.org.login + "/hooks/" + h.id + "/deliveries?per_page="
                    + perPage + "&cursor=v1_" + last + ">; rel=\"next\"");
        }
        return new Reply(200, items, headers);
    }

    // ---------------------------------------------------------------- pagination

    /** Page-number pagination with GitHub's {@code Link} header (per_page default 30, max 100). */
    private Reply page(Call c, List<Object> all) {
        Page p = Page.of(f, c, all.size());
        return new Reply(200, new ArrayList<>(all.subList(p.from(), p.to())), p.headers());
    }

    /**
     * One page of a list of {@code total} items as the call asks for it ({@code per_page} default
     * 30, max 100; {@code page} from 1): the items' range and GitHub's {@code Link} header.
     */
    record Page(int from, int to, Map<String, String> headers) {
        static Page of(GitHubFake f, Call c, int total) {
            int perPage = Math.max(1, Math.min(100, Integer.parseInt(c.query.getOrDefault("per_page", "30"))));
            int page = Math.max(1, Integer.parseInt(c.query.getOrDefault("page", "1")));
            int from = Math.min(total, (page - 1) * perPage);
            int to = Math.min(total, from + perPage);
            int last = Math.max(1, (total + perPage - 1) / perPage);
            Map<String, String> headers = new LinkedHashMap<>();
            if (last > 1) {
                StringBuilder link = new StringBuilder();
                String base = f.url() + c.path + "?" + c.query.entrySet().stream()
                        .filter(e -> !e.getKey().equals("page") && !e.getKey().equals("per_page"))
                        .map(e -> e.getKey() + "=" + e.getValue() + "&").reduce("", String::concat) + "per_page="
                        + perPage + "&page=";
                if (page < last) {
                    link.append("<").append(base).append(page + 1).append(">; rel=\"next\", ");
                    link.append("<").append(base).append(last).append(">; rel=\"last\"");
                }
                if (page > 1) {
                    if (link.length() > 0) {
                        link.append(", ");
                    }
                    link.append("<").append(base).append(page - 1).append(">; rel=\"prev\", ");
                    link.append("<").append(base).append(1).append(">; rel=\"first\"");
                }
                headers.put("Link", link.toString());
            }
            return new Page(from, to, headers);
        }
    }
}
