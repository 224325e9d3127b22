package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.hosts.RepoRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * GitHub's Checks API for one check run name: start a run on a commit, complete it with its output
 * and annotations, list the runs of a commit. GitHub takes at most
 * {@value #ANNOTATIONS_PER_REQUEST} annotations per request and appends those of each update to
 * the run's list, so a longer list goes out in further updates of the completed run.
 *
 * <p>Only a GitHub App may create check runs: with a personal access token every call is refused
 * before it is sent, with a message that says so (GitHub itself would answer 403).
 */
public final class GitHubChecks {
    /** "The Checks API limits the number of annotations to a maximum of 50 per API request." */
    public static final int ANNOTATIONS_PER_REQUEST = 50;

    private final GitHubClient client;

    public GitHubChecks(GitHubClient client) {
        this.client = client;
    }

    /** How a completed run ended, as GitHub names it. */
    public enum Conclusion {
        SUCCESS, FAILURE, NEUTRAL, CANCELLED, SKIPPED;

        public String api() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Optional<Conclusion> parse(JsonNode n) {
            if (!n.isTextual()) {
                return Optional.empty();
            }
            try {
                return Optional.of(valueOf(n.asText().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                return Optional.empty(); // action_required, timed_out, stale: not orgctl's
            }
        }
    }

    /** A check run as GitHub reports it. {@code status} is {@code queued}, {@code in_progress} or {@code completed}. */
    public record CheckRun(long id, String name, String headSha, String status, Optional<Conclusion> conclusion,
                           Optional<String> externalId, Optional<String> summary) {
        public boolean completed() {
            return "completed".equals(status);
        }

        static CheckRun of(JsonNode n) {
            JsonNode ext = n.path("external_id");
            JsonNode summary = n.path("output").path("summary");
            return new CheckRun(n.path("id").asLong(), n.path("name").asText(), n.path("head_sha").asText(),
                    n.path("status").asText(), Conclusion.parse(n.path("conclusion")),
                    ext.isTextual() && !ext.asText().isEmpty() ? Optional.of(ext.asText()) : Optional.empty(),
                    summary.isTextual() ? Optional.of(summary.asText()) : Optional.empty());
        }
    }

    /** Creates the run {@code name} on {@code headSha}, in progress, with a first output. */
    public CheckRun start(RepoRef repo, String name, String headSha, String externalId, String title, String summary) {
        requireApp("create the check run " + name);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("head_sha", headSha);
        body.put("external_id", externalId);
        body.put("status", "in_progress");
        body.put("output", Map.of("title", title, "summary", summary));
        return CheckRun.of(client.post(GitHubPaths.repoPath(repo) + "/check-runs", body).json());
    }

    /**
     * Completes a run with its conclusion and output. The first {@value #ANNOTATIONS_PER_REQUEST}
     * annotations go with the completion, the rest in further updates of the same output.
     */
    public CheckRun complete(RepoRef repo, long runId, Conclusion conclusion, CheckOutput output) {
        requireApp("complete the check run " + runId);
        List<List<CheckOutput.Annotation>> batches = batches(output.annotations());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "completed");
        body.put("conclusion", conclusion.api());
        body.put("output", output(output, batches.isEmpty() ? List.of() : batches.get(0)));
        String path = GitHubPaths.repoPath(repo) + "/check-runs/" + runId;
        CheckRun done = CheckRun.of(client.patch(path, body).json());
        for (List<CheckOutput.Annotation> more : batches.subList(Math.min(1, batches.size()), batches.size())) {
            done = CheckRun.of(client.patch(path, Map.of("output", output(output, more))).json());
        }
        return done;
    }

    /**
     * Every run named {@code name} on {@code ref} (a commit), any app's, newest first. Two reads per
     * hundred runs at most; one page is the usual case.
     */
    public List<CheckRun> runs(RepoRef repo, String ref, String name) {
        List<CheckRun> out = new ArrayList<>();
        for (JsonNode n : client.getAll(GitHubPaths.repoPath(repo) + "/commits/" + GitHubPaths.seg(ref)
                + "/check-runs?filter=all&per_page=100&check_name=" + GitHubPaths.seg(name),
                Optional.of("check_runs"))) {
            out.add(CheckRun.of(n));
        }
        return out;
    }

    static List<List<CheckOutput.Annotation>> batches(List<CheckOutput.Annotation> all) {
        List<List<CheckOutput.Annotation>> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i += ANNOTATIONS_PER_REQUEST) {
            out.add(all.subList(i, Math.min(all.size(), i + ANNOTATIONS_PER_REQUEST)));
        }
        return out;
    }

    private static Map<String, Object> output(CheckOutput o, List<CheckOutput.Annotation> annotations) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("title", o.title());
        m.put("summary", o.summary());
        o.text().ifPresent(t -> m.put("text", t));
        if (!annotations.isEmpty()) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (CheckOutput.Annotation a : annotations) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("path", a.path());
                j.put("start_line", a.startLine());
                j.put("end_line", a.endLine());
                j.put("annotation_level", a.level().api());
                j.put("message", a.message());
                a.title().ifPresent(t -> j.put("title", t));
                list.add(j);
            }
            m.put("annotations", list);
        }
        return m;
    }

    private void requireApp(String what) {
        if (!(client.credentials() instanceof AppCredentials)) {
            throw new GitHubApiException(GitHubApiException.Kind.FORBIDDEN, 0, "POST /repos/{owner}/{repo}/check-runs",
                    "cannot " + what + " with " + client.credentials().describe()
                            + ": GitHub lets only a GitHub App create check runs; set GITHUB_APP_ID, "
                            + "GITHUB_APP_PRIVATE_KEY_FILE (and GITHUB_APP_INSTALLATION_ID) for an App with the "
                            + "`checks: write` permission", Optional.of("checks=write"), List.of(), null);
        }
    }
}
