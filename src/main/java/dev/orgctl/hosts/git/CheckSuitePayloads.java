package dev.orgctl.hosts.git;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.webhook.PayloadObjects;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.UUID;

/**
 * The git backend's {@code check_suite} {@code completed} delivery: what the simulated CI
 * ({@link GitCi}) reports for one commit, in the shape of GitHub's "check_suite" webhook event
 * (every field {@code @octokit/webhooks-schemas} requires, nothing it forbids: the check suite object
 * allows no extra fields). The run's log is where GitHub puts the check suite's address: its
 * {@code url} (and {@code check_runs_url}, as the simulated suite has no separate check runs) is the
 * log's {@code file:} URL.
 */
public final class CheckSuitePayloads {
    /** The simulated CI's app, as a reader of the delivery finds it in {@code check_suite.app.slug}. */
    public static final String APP_SLUG = "orgctl-git-ci";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The simulated app has no creation date; a fixed one keeps deliveries of one result identical. */
    private static final Instant APP_CREATED = Instant.parse("2026-01-01T00:00:00Z");

    private CheckSuitePayloads() {
    }

    /** How a run ended, by GitHub's name of the check suite conclusion. */
    public enum Conclusion {
        SUCCESS, FAILURE, TIMED_OUT;

        public String apiName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The commit checked, as the check suite's {@code head_commit} describes it. */
    public record HeadCommit(String id, String treeId, String message, OffsetDateTime timestamp,
                             PushPayloads.Person author, PushPayloads.Person committer) {
    }

    /**
     * One completed run.
     *
     * @param repo     the repository, as the push that triggered the run described it
     * @param branch   the default branch the head was seen on
     * @param before   the branch's previous head (the push's {@code before})
     * @param head     the commit that was checked
     * @param logUrl   the run's log, a {@code file:} URL
     */
    public record Completed(PushPayloads.RepoContext repo, String branch, String before, HeadCommit head,
                            Conclusion conclusion, String logUrl, Instant startedAt, Instant completedAt) {
    }

    /**
     * The check suite's id: stable per repository and commit (a positive integer below 2^53, so
     * JavaScript readers keep it exact), so a result sent twice names the same suite.
     */
    public static long suiteId(RepoRef repo, String sha) {
        byte[] h = sha256("orgctl-git check_suite " + repo.fullName() + " " + sha);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[i] & 0xff);
        }
        return (v >>> 11) + 1;
    }

    /** The delivery GUID of a commit's result: the same result re-sent is dropped by the gateway. */
    public static String guid(RepoRef repo, String sha) {
        return UUID.nameUUIDFromBytes(("orgctl-git check_suite.completed " + repo.fullName() + " " + sha)
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    public static byte[] completedBody(Completed c) {
        RepoRef ref = new RepoRef(c.repo().info().org(), c.repo().info().name());
        long id = suiteId(ref, c.head().id());
        ObjectNode suite = JSON.createObjectNode();
        suite.put("id", id);
        suite.put("node_id", "orgctl-git-check-suite-" + id);
        suite.put("head_branch", c.branch());
        suite.put("head_sha", c.head().id());
        suite.put("status", "completed");
        suite.put("conclusion", c.conclusion().apiName());
        suite.put("url", c.logUrl());
        suite.put("before", c.before());
        suite.put("after", c.head().id());
        suite.putArray("pull_requests");
        suite.set("app", app(c.repo()));
        suite.put("created_at", PushPayloads.iso(c.startedAt()));
        suite.put("updated_at", PushPayloads.iso(c.completedAt()));
        suite.put("rerequestable", false);
        suite.put("runs_rerequestable", false);
        suite.put("latest_check_runs_count", 1);
        suite.put("check_runs_url", c.logUrl());
        suite.set("head_commit", headCommit(c.head()));
        ObjectNode root = JSON.createObjectNode();
        root.put("action", "completed");
        root.set("check_suite", suite);
        root.set("repository", PushPayloads.repository(c.repo(), false));
        root.set("organization", PushPayloads.organization(c.repo()));
        root.set("sender", PayloadObjects.user(bot(c.repo())));
        return PushPayloads.bytes(root);
    }

    private static ObjectNode app(PushPayloads.RepoContext repo) {
        String url = PushPayloads.orgAccount(repo).htmlUrl() + "/" + GitCi.LOG_DIR;
        ObjectNode app = JSON.createObjectNode();
        app.put("id", PushPayloads.stableId(APP_SLUG));
        app.put("slug", APP_SLUG);
        app.put("node_id", "orgctl-git-app-" + APP_SLUG);
        app.set("owner", PayloadObjects.user(PushPayloads.orgAccount(repo)));
        app.put("name", "orgctl git CI");
        app.put("description", "Runs a repository's executable .orgctl/ci on each new head of its default branch");
        app.put("external_url", url);
        app.put("html_url", url);
        app.put("created_at", PushPayloads.iso(APP_CREATED));
        app.put("updated_at", PushPayloads.iso(APP_CREATED));
        return app;
    }

    /** The app's bot account, the sender of its deliveries (GitHub's {@code <slug>[bot]}). */
    private static PayloadObjects.Account bot(PushPayloads.RepoContext repo) {
        String login = APP_SLUG + "[bot]";
        String url = PushPayloads.orgAccount(repo).htmlUrl() + "/" + GitCi.LOG_DIR;
        return new PayloadObjects.Account(login, PushPayloads.stableId(login), "orgctl-git-bot-" + APP_SLUG, "Bot",
                url, url);
    }

    private static ObjectNode headCommit(HeadCommit h) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", h.id());
        n.put("tree_id", h.treeId());
        n.put("message", h.message());
        n.put("timestamp", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(h.timestamp().truncatedTo(ChronoUnit.SECONDS)));
        n.set("author", PushPayloads.person(h.author()));
        n.set("committer", PushPayloads.person(h.committer()));
        return n;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
