package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.hosts.RepoRef;
import java.util.Optional;

/** Where a pull request's head is now: what a preview asks before it publishes a result for an older head. */
public final class PullRequestHeads {
    private final GitHubClient client;

    public PullRequestHeads(GitHubClient client) {
        this.client = client;
    }

    /** An open pull request's head commit and the branch it would merge into. */
    public record OpenPull(String headSha, String baseRef) {
    }

    /** The head commit of pull request {@code number} while it is open; empty once it is closed or gone. */
    public Optional<String> openHead(RepoRef repo, int number) {
        return open(repo, number).map(OpenPull::headSha);
    }

    /** Pull request {@code number} while it is open: its head and base now; empty once it is closed or gone. */
    public Optional<OpenPull> open(RepoRef repo, int number) {
        // Not conditional: a remembered answer could be the old head, the very thing being checked.
        Optional<GitHubResponse> r = client.getIfExists(GitHubPaths.repoPath(repo) + "/pulls/" + number, false);
        if (r.isEmpty()) {
            return Optional.empty();
        }
        JsonNode pull = r.get().json();
        if (!"open".equals(pull.path("state").asText())) {
            return Optional.empty();
        }
        String sha = pull.path("head").path("sha").asText("");
        String base = pull.path("base").path("ref").asText("");
        return sha.isEmpty() || base.isEmpty() ? Optional.empty() : Optional.of(new OpenPull(sha, base));
    }
}
