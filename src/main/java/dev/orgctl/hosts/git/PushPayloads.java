package dev.orgctl.hosts.git;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.webhook.PayloadObjects;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * GitHub-format webhook bodies for the git backend: {@code push} and {@code repository}
 * ({@code action: created}), with the fields and shapes of GitHub's "Webhook events and payloads"
 * (including its quirk that a push's {@code repository.created_at} and {@code pushed_at} are Unix
 * seconds while other events use ISO 8601). Every field {@code @octokit/webhooks-schemas} requires is
 * there ({@link PayloadObjects}): what a local bare repository has no notion of (stars, forks,
 * wikis) has GitHub's value for a repository nobody touched, and URLs are {@code file:} URLs under
 * the bare repository (its organization's folder, a {@code users/} folder beside it), derived the way
 * GitHub derives its API URLs.
 */
public final class PushPayloads {
    /** GitHub lists at most this many commits in a push payload. */
    public static final int MAX_COMMITS = 2048;
    public static final String ZERO = "0000000000000000000000000000000000000000";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

    private PushPayloads() {
    }

    /** A name and e-mail, as in a commit's author or the push's pusher. */
    public record Person(String name, String email) {
        /** A GitHub-like login made from the e-mail's local part (the git backend has no accounts). */
        public String login() {
            String base = email.contains("@") ? email.substring(0, email.indexOf('@')) : name;
            String login = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
            return login.isEmpty() ? "unknown" : login;
        }
    }

    /** One commit of a push with the paths it added, removed and modified against its first parent. */
    public record PushCommit(String id, String treeId, String message, OffsetDateTime timestamp, Person author,
                             Person committer, List<String> added, List<String> removed, List<String> modified,
                             boolean distinct) {
        public PushCommit {
            added = List.copyOf(added);
            removed = List.copyOf(removed);
            modified = List.copyOf(modified);
        }
    }

    /** Where and what the repository is, for the {@code repository} object. */
    public record RepoContext(RepositoryInfo info, long id, String htmlUrl, Instant createdAt, Instant pushedAt) {
    }

    /** Everything a push payload says. */
    public record Push(RepoContext repo, String ref, String before, String after, boolean created, boolean deleted,
                       boolean forced, List<PushCommit> commits, Optional<PushCommit> headCommit, Person pusher) {
        public Push {
            commits = List.copyOf(commits);
        }
    }

    /**
     * The delivery GUID of a push: a name-based UUID of (repository, ref, before, after), so the
     * same ref move re-emitted after a crash has the same GUID and the gateway drops it.
     */
    public static String pushGuid(RepoRef repo, String ref, String before, String after) {
        return UUID.nameUUIDFromBytes(("orgctl-git push " + repo.fullName() + " " + ref + " " + before + " " + after)
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The delivery GUID of a repository's {@code created} event, from its name and stable id. */
    public static String createdGuid(RepoRef repo, long repoId) {
        return UUID.nameUUIDFromBytes(("orgctl-git repository.created " + repo.fullName() + " " + repoId)
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    public static byte[] pushBody(Push p) {
        ObjectNode root = JSON.createObjectNode();
        root.put("ref", p.ref());
        root.put("before", p.before());
        root.put("after", p.after());
        root.put("created", p.created());
        root.put("deleted", p.deleted());
        root.put("forced", p.forced());
        root.putNull("base_ref");
        root.put("compare", p.repo().htmlUrl() + "/compare/" + p.before().substring(0, 12) + "..."
                + p.after().substring(0, 12));
        ArrayNode commits = root.putArray("commits");
        for (PushCommit c : p.commits()) {
            commits.add(commit(p.repo(), c));
        }
        if (p.headCommit().isPresent()) {
            root.set("head_commit", commit(p.repo(), p.headCommit().get()));
        } else {
            root.putNull("head_commit");
        }
        root.set("repository", repository(p.repo(), true));
        root.set("pusher", JSON.createObjectNode().put("name", p.pusher().name()).put("email", p.pusher().email()));
        root.set("organization", organization(p.repo()));
        root.set("sender", user(p.repo(), p.pusher().login()));
        return bytes(root);
    }

    public static byte[] repositoryCreatedBody(RepoContext repo, Person sender) {
        ObjectNode root = JSON.createObjectNode();
        root.put("action", "created");
        root.set("repository", repository(repo, false));
        root.set("organization", organization(repo));
        root.set("sender", user(repo, sender.login()));
        return bytes(root);
    }

    private static ObjectNode commit(RepoContext repo, PushCommit c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", c.id());
        n.put("tree_id", c.treeId());
        n.put("distinct", c.distinct());
        n.put("message", c.message());
        n.put("timestamp", ISO.format(c.timestamp().truncatedTo(ChronoUnit.SECONDS)));
        n.put("url", repo.htmlUrl() + "/commit/" + c.id());
        n.set("author", person(c.author()));
        n.set("committer", person(c.committer()));
        ArrayNode added = n.putArray("added");
        c.added().forEach(added::add);
        ArrayNode removed = n.putArray("removed");
        c.removed().forEach(removed::add);
        ArrayNode modified = n.putArray("modified");
        c.modified().forEach(modified::add);
        return n;
    }

    static ObjectNode person(Person p) {
        return JSON.createObjectNode().put("name", p.name()).put("email", p.email()).put("username", p.login());
    }

    /** The {@code repository} object; {@code pushStyle}: a push's (Unix-second times, owner name). */
    static ObjectNode repository(RepoContext repo, boolean pushStyle) {
        RepositoryInfo info = repo.info();
        ObjectNode n = JSON.createObjectNode();
        n.put("id", repo.id());
        n.put("node_id", "orgctl-git-" + repo.id());
        n.put("name", info.name());
        n.put("full_name", info.fullName());
        n.put("private", info.visibility() != dev.orgctl.hosts.Visibility.PUBLIC);
        ObjectNode owner = PayloadObjects.user(orgAccount(repo));
        if (pushStyle) {
            // A push's repository owner also carries the committer-style name and e-mail.
            owner.put("name", info.org());
            owner.putNull("email");
        }
        n.set("owner", owner);
        n.put("html_url", repo.htmlUrl());
        n.putNull("description");
        n.put("fork", false);
        n.put("url", repo.htmlUrl());
        if (pushStyle) {
            // GitHub's push payload carries these two as Unix seconds (documented quirk).
            n.put("created_at", repo.createdAt().getEpochSecond());
            n.put("pushed_at", repo.pushedAt().getEpochSecond());
        } else {
            n.put("created_at", iso(repo.createdAt()));
            n.put("pushed_at", iso(repo.pushedAt()));
        }
        n.put("updated_at", iso(repo.pushedAt()));
        n.put("clone_url", repo.htmlUrl());
        if (info.language().isPresent()) {
            n.put("language", info.language().get());
        } else {
            n.putNull("language");
        }
        n.put("archived", info.archived());
        n.put("disabled", false);
        ArrayNode topics = n.putArray("topics");
        info.topics().forEach(topics::add);
        n.put("visibility", info.visibility().apiName());
        n.put("default_branch", info.defaultBranch());
        if (pushStyle) {
            n.put("master_branch", info.defaultBranch());
            n.put("organization", info.org());
        }
        return PayloadObjects.completeRepository(n);
    }

    static ObjectNode organization(RepoContext repo) {
        return PayloadObjects.organization(orgAccount(repo));
    }

    /** The organization's account: its URL is the folder that holds its bare repositories. */
    static PayloadObjects.Account orgAccount(RepoContext repo) {
        String org = repo.info().org();
        String url = parent(repo.htmlUrl());
        return new PayloadObjects.Account(org, stableId(org), "orgctl-git-org-" + org, "Organization", url, url);
    }

    /** A person's account: the git backend has none, so it lives in a {@code users/} folder beside the orgs. */
    private static ObjectNode user(RepoContext repo, String login) {
        String url = parent(parent(repo.htmlUrl())) + "/users/" + login;
        return PayloadObjects.user(new PayloadObjects.Account(login, stableId(login), "orgctl-git-user-" + login,
                "User", url, url));
    }

    static long stableId(String name) {
        return Math.abs((long) name.hashCode()) + 1;
    }

    private static String parent(String url) {
        int slash = url.lastIndexOf('/');
        return slash > 0 ? url.substring(0, slash) : url;
    }

    static String iso(Instant t) {
        return ISO.format(t.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
    }

    static byte[] bytes(ObjectNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
