package dev.orgctl.controller;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.regen.Provenance;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The fields of a GitHub delivery the controller reads, pulled out of the JSON GitHub sent.
 * Unknown or missing fields become empty values rather than errors: GitHub adds fields freely,
 * and a delivery without the fields a rule needs is simply not matched by that rule.
 */
public record GitHubEvent(
        String event,
        String deliveryId,
        Optional<String> action,
        Optional<String> org,
        Optional<String> repo,
        Optional<String> defaultBranch,
        Optional<Push> push,
        List<PullHead> pulls,
        Optional<CiResult> ci,
        Optional<RunEnd> runEnd) {

    public GitHubEvent {
        pulls = List.copyOf(pulls);
    }

    public GitHubEvent(String event, String deliveryId, Optional<String> action, Optional<String> org,
                       Optional<String> repo, Optional<String> defaultBranch, Optional<Push> push, List<PullHead> pulls,
                       Optional<CiResult> ci) {
        this(event, deliveryId, action, org, repo, defaultBranch, push, pulls, ci, Optional.empty());
    }

    public GitHubEvent(String event, String deliveryId, Optional<String> action, Optional<String> org,
                       Optional<String> repo, Optional<String> defaultBranch, Optional<Push> push, List<PullHead> pulls) {
        this(event, deliveryId, action, org, repo, defaultBranch, push, pulls, Optional.empty());
    }

    /** The delivery's fields before pull requests were read: no pull request. */
    public GitHubEvent(String event, String deliveryId, Optional<String> action, Optional<String> org,
                       Optional<String> repo, Optional<String> defaultBranch, Optional<Push> push) {
        this(event, deliveryId, action, org, repo, defaultBranch, push, List.of());
    }

    /**
     * A pull request's head and base as a {@code pull_request} delivery (one) or a
     * {@code check_suite} delivery (each pull request of the suite's head) names them.
     * {@code before} is a {@code synchronize} delivery's previous head.
     */
    public record PullHead(int number, String headSha, String headRef, String baseRef, Optional<String> before,
                           boolean sameRepository) {
    }

    /**
     * A CI result for one commit, as a {@code check_suite} or {@code workflow_run} (completed), a
     * {@code status} or a merged {@code pull_request} delivery carries it (docs/rollout.md, "CI results").
     *
     * @param key        {@code check_suite:<id>}, {@code workflow_run:<id>}, {@code status:<context>}; empty
     *                   for a merge
     * @param status     queued, in_progress, completed (a commit status is completed unless pending)
     * @param conclusion GitHub's conclusion when completed (a commit status: its state)
     * @param url        where a person reads the result
     * @param merged     a pull request whose head is {@code sha} was merged
     * @param orgctls    the commit may be orgctl's: its message, as the delivery gives it, carries orgctl's
     *                   trailers, or the delivery gives none (a merge, a payload without its head commit).
     *                   Only those are kept for rollout gates: results of people's commits would grow the
     *                   store without bound and gate nothing
     */
    public record CiResult(String sha, String key, String name, String status, String conclusion, String url,
                           boolean merged, boolean orgctls) {
    }

    /** Whether {@code message} (a delivery's head commit message; missing when not text) may be orgctl's. */
    private static boolean mayBeOrgctls(JsonNode message) {
        return !message.isTextual() || Provenance.isOrgctlCommit(message.asText());
    }

    /**
     * A GitHub Actions run attempt that ended: a {@code workflow_run} {@code completed} delivery
     * (any conclusion, cancelled included). What holds a Terraform state lock names its run this way.
     *
     * @param repository {@code owner/name} of the repository the run belongs to
     * @param attempt    the run's {@code run_attempt} (1 for the first; 0 when the delivery has none)
     */
    public record RunEnd(String repository, long runId, int attempt, String conclusion) {
    }

    /** The part of a {@code push} delivery that matters to the controller. */
    public record Push(String ref, String before, String after, boolean created, boolean deleted, List<Commit> commits) {
        public Push {
            commits = List.copyOf(commits);
        }

        /** Every path added, modified or removed by the given commits. */
        public static Set<String> touchedPaths(List<Commit> commits) {
            Set<String> paths = new LinkedHashSet<>();
            for (Commit c : commits) {
                paths.addAll(c.added());
                paths.addAll(c.modified());
                paths.addAll(c.removed());
            }
            return paths;
        }
    }

    public record Commit(String id, String message, List<String> added, List<String> modified, List<String> removed) {
        public Commit {
            added = List.copyOf(added);
            modified = List.copyOf(modified);
            removed = List.copyOf(removed);
        }
    }

    /** GitHub truncates a push payload's commit list at 20 commits. */
    public static final int MAX_LISTED_COMMITS = 20;

    public static GitHubEvent parse(String event, String deliveryId, JsonNode body) {
        Optional<String> repo = text(body.path("repository").path("name"));
        Optional<String> org = text(body.path("repository").path("owner").path("login"))
                .or(() -> text(body.path("organization").path("login")));
        Optional<Push> push = Optional.empty();
        if ("push".equals(event)) {
            List<Commit> commits = new ArrayList<>();
            for (JsonNode c : body.path("commits")) {
                commits.add(new Commit(c.path("id").asText(""), c.path("message").asText(""), strings(c.path("added")),
                        strings(c.path("modified")), strings(c.path("removed"))));
            }
            push = Optional.of(new Push(body.path("ref").asText(""), body.path("before").asText(""),
                    body.path("after").asText(""), body.path("created").asBoolean(false),
                    body.path("deleted").asBoolean(false), commits));
        }
        return new GitHubEvent(event, deliveryId, text(body.path("action")), org, repo,
                text(body.path("repository").path("default_branch")), push, pulls(event, body), ci(event, body),
                runEnd(event, body));
    }

    private static Optional<RunEnd> runEnd(String event, JsonNode body) {
        JsonNode w = body.path("workflow_run");
        String repository = w.path("repository").path("full_name").asText(body.path("repository").path("full_name")
                .asText(""));
        long id = w.path("id").asLong(0);
        if (!"workflow_run".equals(event) || !"completed".equals(body.path("action").asText(""))
                || repository.isEmpty() || id <= 0) {
            return Optional.empty();
        }
        return Optional.of(new RunEnd(repository, id, w.path("run_attempt").asInt(0), w.path("conclusion").asText("")));
    }

    private static Optional<CiResult> ci(String event, JsonNode body) {
        String action = body.path("action").asText("");
        switch (event) {
            case "check_suite" -> {
                JsonNode s = body.path("check_suite");
                String sha = s.path("head_sha").asText("");
                String id = s.path("id").asText("");
                if (!"completed".equals(action) || sha.isEmpty() || id.isEmpty()) {
                    return Optional.empty();
                }
                String page = body.path("repository").path("html_url").asText("");
                // The git backend's simulated CI has no page: its suite's own url is the log (git-backend.md).
                String own = s.path("url").asText("");
                String url = own.startsWith("file:") ? own
                        : page.isEmpty() ? "" : page + "/commit/" + sha + "/checks?check_suite_id=" + id;
                String app = s.path("app").path("name").asText("");
                return Optional.of(new CiResult(sha, "check_suite:" + id, app.isEmpty() ? "check suite " + id : app,
                        s.path("status").asText("completed"), s.path("conclusion").asText(""), url, false,
                        mayBeOrgctls(s.path("head_commit").path("message"))));
            }
            case "workflow_run" -> {
                JsonNode w = body.path("workflow_run");
                String sha = w.path("head_sha").asText("");
                String id = w.path("id").asText("");
                if (!"completed".equals(action) || sha.isEmpty() || id.isEmpty()) {
                    return Optional.empty();
                }
                return Optional.of(new CiResult(sha, "workflow_run:" + id, w.path("name").asText("workflow run " + id),
                        w.path("status").asText("completed"), w.path("conclusion").asText(""),
                        w.path("html_url").asText(""), false, mayBeOrgctls(w.path("head_commit").path("message"))));
            }
            case "status" -> {
                String sha = body.path("sha").asText("");
                String context = body.path("context").asText("");
                String state = body.path("state").asText("");
                if (sha.isEmpty() || context.isEmpty() || state.isEmpty()) {
                    return Optional.empty();
                }
                boolean pending = "pending".equals(state);
                return Optional.of(new CiResult(sha, "status:" + context, context, pending ? "in_progress" : "completed",
                        pending ? "" : state, body.path("target_url").asText(""), false,
                        mayBeOrgctls(body.path("commit").path("commit").path("message"))));
            }
            case "pull_request" -> {
                JsonNode pr = body.path("pull_request");
                String sha = pr.path("head").path("sha").asText("");
                if (!"closed".equals(action) || !pr.path("merged").asBoolean(false) || sha.isEmpty()) {
                    return Optional.empty();
                }
                return Optional.of(new CiResult(sha, "", "", "", "", pr.path("html_url").asText(""), true, true));
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    private static List<PullHead> pulls(String event, JsonNode body) {
        List<PullHead> out = new ArrayList<>();
        long repoId = body.path("repository").path("id").asLong(-1);
        if ("pull_request".equals(event)) {
            JsonNode pr = body.path("pull_request");
            out.add(new PullHead(body.path("number").asInt(pr.path("number").asInt()), pr.path("head").path("sha")
                    .asText(""), pr.path("head").path("ref").asText(""), pr.path("base").path("ref").asText(""),
                    text(body.path("before")), pr.path("head").path("repo").path("id").asLong(-2) == repoId));
        } else if ("check_suite".equals(event)) {
            for (JsonNode pr : body.path("check_suite").path("pull_requests")) {
                out.add(new PullHead(pr.path("number").asInt(), pr.path("head").path("sha").asText(""),
                        pr.path("head").path("ref").asText(""), pr.path("base").path("ref").asText(""),
                        Optional.empty(), pr.path("head").path("repo").path("id").asLong(-2) == repoId));
            }
        }
        return out;
    }

    private static Optional<String> text(JsonNode n) {
        return n.isTextual() && !n.asText().isEmpty() ? Optional.of(n.asText()) : Optional.empty();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            if (n.isTextual()) {
                out.add(n.asText());
            }
        }
        return out;
    }
}
