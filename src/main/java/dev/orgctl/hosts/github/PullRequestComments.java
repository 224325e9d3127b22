package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.hosts.RepoRef;
import java.util.Map;
import java.util.Optional;

/**
 * One comment of orgctl's on a pull request, kept up to date in place: found by a marker (an HTML
 * comment, invisible on GitHub) in its body, edited when its text changed, created only when there
 * is none. A push never adds a second comment.
 */
public final class PullRequestComments {
    /** GitHub's cap on a comment's body (characters); orgctl holds the UTF-8 bytes to it. */
    public static final int MAX_BODY = 65_536;

    private final GitHubClient client;

    public PullRequestComments(GitHubClient client) {
        this.client = client;
    }

    /** What {@link #upsert} did. */
    public enum Upsert { CREATED, UPDATED, UNCHANGED }

    /**
     * Makes the comment carrying {@code marker} on pull request {@code number} say {@code text}
     * (cut to GitHub's cap, the marker kept).
     */
    public Upsert upsert(RepoRef repo, int number, String marker, String text) {
        String body = CheckOutput.fit(text, MAX_BODY - CheckOutput.size(marker) - 1, "\n…") + "\n" + marker;
        Optional<JsonNode> mine = Optional.empty();
        for (JsonNode c : client.getAll(GitHubPaths.repoPath(repo) + "/issues/" + number + "/comments?per_page=100",
                Optional.empty())) {
            if (c.path("body").asText("").contains(marker)) {
                mine = Optional.of(c);
                break;
            }
        }
        if (mine.isEmpty()) {
            client.post(GitHubPaths.repoPath(repo) + "/issues/" + number + "/comments", Map.of("body", body));
            return Upsert.CREATED;
        }
        if (mine.get().path("body").asText("").equals(body)) {
            return Upsert.UNCHANGED;
        }
        client.patch(GitHubPaths.repoPath(repo) + "/issues/comments/" + mine.get().path("id").asLong(),
                Map.of("body", body));
        return Upsert.UPDATED;
    }
}
