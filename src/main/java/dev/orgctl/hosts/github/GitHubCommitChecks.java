package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.hosts.CommitChecks;
import dev.orgctl.hosts.RepoRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a rollout's gate reads from GitHub when it polls (results it missed as deliveries): a
 * commit's check suites ({@code GET .../commits/{sha}/check-suites}, 100 a page, every page) and
 * its combined status ({@code GET .../commits/{sha}/status}), and whether a pull request was
 * merged ({@code GET .../pulls/{n}}). Every read is conditional: polling a commit whose results
 * have not changed answers 304 and costs no rate limit.
 *
 * <p>A check suite that has not started and has no check run is left out: GitHub creates a suite
 * for every App with the Checks permission on every push (orgctl's own App included, for its
 * previews), and one whose App never runs a check stays {@code queued} for good; counting it would
 * hold every gate until its deadline.
 */
final class GitHubCommitChecks {
    private static final int PER_PAGE = 100;

    private final GitHubClient client;

    GitHubCommitChecks(GitHubClient client) {
        this.client = client;
    }

    /**
     * The commit's checks; a commit with neither suites nor statuses is present with none. Empty
     * when GitHub does not know the commit (or the repository).
     */
    Optional<CommitChecks> read(RepoRef repo, String sha) {
        String commit = GitHubPaths.repoPath(repo) + "/commits/" + GitHubPaths.seg(sha);
        List<CommitChecks.Check> checks = new ArrayList<>();
        Optional<String> next = Optional.of(commit + "/status?per_page=" + PER_PAGE);
        while (next.isPresent()) {
            Optional<GitHubResponse> page = client.getIfExists(next.get(), true);
            if (page.isEmpty()) {
                return Optional.empty();
            }
            page.get().json().path("statuses").forEach(s -> checks.add(status(s)));
            next = page.get().nextPage();
        }
        next = Optional.of(commit + "/check-suites?per_page=" + PER_PAGE);
        while (next.isPresent()) {
            Optional<GitHubResponse> page = client.getIfExists(next.get(), true);
            if (page.isEmpty()) {
                return Optional.empty();
            }
            for (JsonNode suite : page.get().json().path("check_suites")) {
                if (started(suite)) {
                    checks.add(suite(suite, sha));
                }
            }
            next = page.get().nextPage();
        }
        return Optional.of(new CommitChecks(sha, checks));
    }

    /** The pull request's {@code merged}; empty when it does not exist. */
    Optional<Boolean> merged(RepoRef repo, int number) {
        return client.getIfExists(GitHubPaths.repoPath(repo) + "/pulls/" + number, true)
                .map(r -> r.json().path("merged").asBoolean(false));
    }

    private static boolean started(JsonNode suite) {
        return "completed".equals(suite.path("status").asText()) || suite.path("latest_check_runs_count").asInt(0) > 0;
    }

    /** {@code check_suite:<id>}, named after its App, linked to the commit's checks page filtered to it. */
    static CommitChecks.Check suite(JsonNode s, String sha) {
        long id = s.path("id").asLong();
        String app = s.path("app").path("name").asText("");
        String status = s.path("status").asText("");
        String state = switch (status) {
            case "completed", "in_progress" -> status;
            default -> "queued"; // queued, requested, waiting, pending: not running yet
        };
        JsonNode conclusion = s.path("conclusion");
        String html = s.path("repository").path("html_url").asText("");
        return new CommitChecks.Check("check_suite:" + id, app.isEmpty() ? "check suite " + id : app, state,
                state.equals("completed") && conclusion.isTextual() ? conclusion.asText() : "",
                html.isEmpty() ? "" : html + "/commit/" + sha + "/checks?check_suite_id=" + id);
    }

    /** {@code status:<context>}: pending is in progress, success/failure/error are completed with that conclusion. */
    static CommitChecks.Check status(JsonNode s) {
        String context = s.path("context").asText("");
        String state = s.path("state").asText("");
        boolean pending = state.equals("pending");
        JsonNode url = s.path("target_url");
        return new CommitChecks.Check("status:" + context, context, pending ? "in_progress" : "completed",
                pending ? "" : state, url.isTextual() ? url.asText() : "");
    }
}
