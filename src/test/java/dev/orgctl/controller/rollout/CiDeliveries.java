package dev.orgctl.controller.rollout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orgctl.config.Secret;
import dev.orgctl.hosts.git.DeliveryException;
import dev.orgctl.hosts.git.HttpDeliverySink;
import dev.orgctl.hosts.git.OutgoingDelivery;
import dev.orgctl.testing.WebhookSchemas;
import dev.orgctl.webhook.PayloadObjects;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * A CI system that reports on commits the way GitHub's webhooks do: signed {@code check_suite}
 * completed and {@code status} deliveries for one commit of one repository, POSTed to a gateway
 * (and one non-CI event that makes orgctl run a repository again).
 * Every payload is checked against GitHub's JSON Schema before it is sent, so what the controller
 * is given is what GitHub would send.
 */
final class CiDeliveries {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API = "https://api.github.com";
    private static final String WEB = "https://github.com";

    private final String org;
    private final WebhookSchemas schemas;
    private final HttpDeliverySink sink;
    private final AtomicLong ids = new AtomicLong(7_000_000);

    /** One report: what was sent, under which delivery id, and the link a reader is expected to follow. */
    record Sent(String event, String guid, long checkId, String url) {
    }

    CiDeliveries(String org, URI webhookUrl, String secret, WebhookSchemas schemas) {
        this.org = org;
        this.schemas = schemas;
        // Retries through a gateway that waits for NATS (503) for longer than a nats-server restart.
        this.sink = new HttpDeliverySink(webhookUrl, Secret.of(secret), new HttpDeliverySink.Retry(12,
                Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(10)));
    }

    /** A check suite of {@code commit} completed with {@code conclusion} (success, failure, ...). */
    Sent checkSuiteCompleted(String repo, RevCommit commit, String conclusion) {
        long id = ids.incrementAndGet();
        return send(repo, "check_suite", UUID.randomUUID().toString(), checkSuiteBody(repo, commit, id, conclusion),
                id, checksPage(repo, commit.name(), id));
    }

    /** The very delivery {@code first} again: GitHub's redelivery of the same GUID. */
    Sent redeliver(String repo, RevCommit commit, String conclusion, Sent first) {
        return send(repo, "check_suite", first.guid(), checkSuiteBody(repo, commit, first.checkId(), conclusion),
                first.checkId(), first.url());
    }

    /** The same check suite reported again under a new delivery id (a second hook, a re-sent event). */
    Sent sameCheckAgain(String repo, RevCommit commit, String conclusion, Sent first) {
        return send(repo, "check_suite", UUID.randomUUID().toString(),
                checkSuiteBody(repo, commit, first.checkId(), conclusion), first.checkId(), first.url());
    }

    /** A commit status ({@code pending}, {@code success}, {@code failure}, {@code error}) for {@code context}. */
    Sent status(String repo, RevCommit commit, String context, String state) {
        long id = ids.incrementAndGet();
        String target = "https://ci.example.com/" + org + "/" + repo + "/" + commit.name();
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.put("sha", commit.name());
        root.put("name", org + "/" + repo);
        root.put("target_url", target);
        root.put("context", context);
        root.put("description", "build " + state);
        root.put("state", state);
        root.set("commit", statusCommit(repo, commit));
        root.putArray("branches");
        String now = iso(Instant.now());
        root.put("created_at", now);
        root.put("updated_at", now);
        root.set("repository", repository(repo));
        root.set("organization", PayloadObjects.organization(orgAccount()));
        root.set("sender", PayloadObjects.user(bot()));
        return send(repo, "status", UUID.randomUUID().toString(), bytes(root), id, target);
    }

    /**
     * Not CI: the repository was made private, which makes orgctl run it again (a run outside any
     * wave, at the revision its pin names).
     */
    Sent repositoryPrivatized(String repo) {
        ObjectNode root = JSON.createObjectNode();
        root.put("action", "privatized");
        root.set("repository", repository(repo));
        root.set("organization", PayloadObjects.organization(orgAccount()));
        root.set("sender", PayloadObjects.user(bot()));
        return send(repo, "repository", UUID.randomUUID().toString(), bytes(root), 0, "");
    }

    /** Where GitHub shows a check suite: the link orgctl records for a failing one (docs/rollout.md). */
    String checksPage(String repo, String sha, long checkSuiteId) {
        return WEB + "/" + org + "/" + repo + "/commit/" + sha + "/checks?check_suite_id=" + checkSuiteId;
    }

    private Sent send(String repo, String event, String guid, byte[] body, long checkId, String url) {
        List<String> violations = schemas.violations(event, body);
        if (!violations.isEmpty()) {
            throw new AssertionError("the test's " + event + " payload is not what GitHub sends: " + violations);
        }
        try {
            sink.deliver(new OutgoingDelivery(event, guid, body, org + "/" + repo));
        } catch (DeliveryException e) {
            throw new AssertionError("the gateway did not take the " + event + " delivery: " + e.getMessage(), e);
        }
        return new Sent(event, guid, checkId, url);
    }

    private byte[] checkSuiteBody(String repo, RevCommit commit, long id, String conclusion) {
        String api = repoApi(repo);
        String now = iso(Instant.now());
        ObjectNode suite = JSON.createObjectNode();
        suite.put("id", id);
        suite.put("node_id", "CS_test" + id);
        suite.put("head_branch", "main");
        suite.put("head_sha", commit.name());
        suite.put("status", "completed");
        suite.put("conclusion", conclusion);
        suite.put("url", api + "/check-suites/" + id);
        suite.put("before", commit.getParentCount() > 0 ? commit.getParent(0).name() : null);
        suite.put("after", commit.name());
        suite.putArray("pull_requests");
        suite.set("app", app());
        suite.put("created_at", now);
        suite.put("updated_at", now);
        suite.put("rerequestable", true);
        suite.put("runs_rerequestable", true);
        suite.put("latest_check_runs_count", 1);
        suite.put("check_runs_url", api + "/check-suites/" + id + "/check-runs");
        suite.set("head_commit", headCommit(commit));
        ObjectNode root = JSON.createObjectNode();
        root.put("action", "completed");
        root.set("check_suite", suite);
        root.set("repository", repository(repo));
        root.set("organization", PayloadObjects.organization(orgAccount()));
        root.set("sender", PayloadObjects.user(bot()));
        return bytes(root);
    }

    private ObjectNode app() {
        ObjectNode app = JSON.createObjectNode();
        app.put("id", 15368);
        app.put("slug", "test-ci");
        app.put("node_id", "MDM6QXBwMTUzNjg=");
        app.set("owner", PayloadObjects.user(orgAccount()));
        app.put("name", "Test CI");
        app.putNull("description");
        app.put("external_url", "https://ci.example.com");
        app.put("html_url", WEB + "/apps/test-ci");
        app.put("created_at", "2018-07-30T09:30:17Z");
        app.put("updated_at", "2024-04-10T20:33:16Z");
        app.putObject("permissions");
        app.putArray("events");
        return app;
    }

    private static ObjectNode headCommit(RevCommit c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", c.name());
        n.put("tree_id", c.getTree().name());
        n.put("message", c.getFullMessage());
        n.put("timestamp", iso(c.getCommitterIdent().getWhenAsInstant()));
        n.set("author", person(c.getAuthorIdent(), false));
        n.set("committer", person(c.getCommitterIdent(), false));
        return n;
    }

    private ObjectNode statusCommit(String repo, RevCommit c) {
        String api = repoApi(repo);
        ObjectNode git = JSON.createObjectNode();
        git.set("author", person(c.getAuthorIdent(), true));
        git.set("committer", person(c.getCommitterIdent(), true));
        git.put("message", c.getFullMessage());
        git.putObject("tree").put("sha", c.getTree().name()).put("url", api + "/git/trees/" + c.getTree().name());
        git.put("url", api + "/git/commits/" + c.name());
        git.put("comment_count", 0);
        git.putObject("verification").put("verified", false).put("reason", "unsigned").putNull("signature")
                .putNull("payload");
        ObjectNode n = JSON.createObjectNode();
        n.put("sha", c.name());
        n.put("node_id", "C_test" + c.name().substring(0, 12));
        n.set("commit", git);
        n.put("url", api + "/commits/" + c.name());
        n.put("html_url", WEB + "/" + org + "/" + repo + "/commit/" + c.name());
        n.put("comments_url", api + "/commits/" + c.name() + "/comments");
        n.putNull("author");
        n.putNull("committer");
        var parents = n.putArray("parents");
        for (RevCommit p : c.getParents()) {
            parents.addObject().put("sha", p.name()).put("url", api + "/commits/" + p.name())
                    .put("html_url", WEB + "/" + org + "/" + repo + "/commit/" + p.name());
        }
        return n;
    }

    private static ObjectNode person(PersonIdent p, boolean dated) {
        ObjectNode n = JSON.createObjectNode().put("name", p.getName()).put("email", p.getEmailAddress());
        if (dated) {
            n.put("date", iso(p.getWhenAsInstant()));
        }
        return n;
    }

    private ObjectNode repository(String repo) {
        ObjectNode n = JSON.createObjectNode();
        long id = Math.abs((long) (org + "/" + repo).hashCode()) + 1;
        n.put("id", id);
        n.put("node_id", "R_test" + id);
        n.put("name", repo);
        n.put("full_name", org + "/" + repo);
        n.put("private", true);
        n.set("owner", PayloadObjects.user(orgAccount()));
        n.put("html_url", WEB + "/" + org + "/" + repo);
        n.put("url", repoApi(repo));
        n.put("clone_url", WEB + "/" + org + "/" + repo + ".git");
        String created = "2024-01-02T03:04:05Z";
        n.put("created_at", created);
        n.put("updated_at", created);
        n.put("pushed_at", created);
        n.put("default_branch", "main");
        n.put("visibility", "private");
        return PayloadObjects.completeRepository(n);
    }

    private String repoApi(String repo) {
        return API + "/repos/" + org + "/" + repo;
    }

    private PayloadObjects.Account orgAccount() {
        return new PayloadObjects.Account(org, 9919, "O_test" + org, "Organization", API + "/orgs/" + org,
                WEB + "/" + org);
    }

    private static PayloadObjects.Account bot() {
        return new PayloadObjects.Account("test-ci[bot]", 41898282, "BOT_test", "Bot", API + "/users/test-ci%5Bbot%5D",
                WEB + "/apps/test-ci");
    }

    private static String iso(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static byte[] bytes(ObjectNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
