package dev.orgctl.hosts.github;

import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.HostException;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes of {@link GitHubHost}: one fenced {@code createCommitOnBranch}, or the REST Git Data path
 * (tree, commit, ref moved by {@code updateRefs} with {@code beforeOid}) for executable files and
 * branches that do not exist yet. {@link GitHubProposals} builds on the same pieces.
 */
final class GitHubCommits {
    // The host's logger: operators filter on it, and the split into parts is not theirs to know.
    private static final Logger log = LoggerFactory.getLogger(GitHubHost.class);
    static final String ZEROS = "0000000000000000000000000000000000000000";

    private final GitHubClient client;
    private final SnapshotCache cache;

    private final java.time.Clock clock;

    GitHubCommits(GitHubClient client, SnapshotCache cache, java.time.Clock clock) {
        this.client = client;
        this.cache = cache;
        this.clock = clock;
    }

    /** What the branch snapshot advanced past our commit says of it (GitHub's own time differs by the call). */
    private dev.orgctl.hosts.CommitStamp stamp(CommitRequest request) {
        return new dev.orgctl.hosts.CommitStamp(request.message(), clock.instant());
    }

    CommitResult commit(RepoRef repo, CommitRequest request) {
        boolean executable = request.changes().stream()
                .anyMatch(c -> c instanceof FileChange.Put p && p.file().mode() != RepoFile.Mode.REGULAR);
        try {
            if (executable || request.expectedHead().isEmpty()) {
                return commitViaGitData(repo, request);
            }
            Optional<String> commit = createCommitOnBranch(repo, request.branch(), request.expectedHead().get(),
                    request.message(), request.changes());
            if (commit.isEmpty()) {
                return new CommitResult.MovedHead(freshHead(repo, request.branch()));
            }
            cache.committed(repo, request.branch(), request.expectedHead().get(), commit.get(), request.changes(),
                    stamp(request));
            return new CommitResult.Committed(commit.get());
        } catch (Refused e) {
            return new CommitResult.Rejected(e.getMessage());
        }
    }

    /** A refusal that re-planning does not cure: missing repository or branch, permission, invalid change. */
    static final class Refused extends dev.orgctl.OrgctlException {
        Refused(String message) {
            super(message, null, false);
        }

        @Override
        public boolean retryable() {
            return false; // by definition: re-planning does not cure it
        }
    }

    /**
     * One {@code createCommitOnBranch}. Empty when the branch head is no longer {@code expected}
     * (GitHub's {@code STALE_DATA}: "Expected branch to point to ... but it did not").
     */
    Optional<String> createCommitOnBranch(RepoRef repo, String branch, String expected, String message,
                                          List<FileChange> changes) {
        List<Map<String, Object>> additions = new ArrayList<>();
        List<Map<String, Object>> deletions = new ArrayList<>();
        for (FileChange c : changes) {
            if (c instanceof FileChange.Put p) {
                additions.add(Map.of("path", p.path(), "contents",
                        Base64.getEncoder().encodeToString(p.file().content())));
            } else {
                deletions.add(Map.of("path", c.path()));
            }
        }
        String[] msg = splitMessage(message);
        Map<String, Object> commitMessage = new LinkedHashMap<>();
        commitMessage.put("headline", msg[0]);
        if (!msg[1].isEmpty()) {
            commitMessage.put("body", msg[1]);
        }
        Map<String, Object> fileChanges = new LinkedHashMap<>();
        fileChanges.put("additions", additions);
        fileChanges.put("deletions", deletions);
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("branch", Map.of("repositoryNameWithOwner", repo.fullName(), "branchName", branch));
        input.put("expectedHeadOid", expected);
        input.put("message", commitMessage);
        input.put("fileChanges", fileChanges);
        GitHubClient.GraphQLResult r = client.graphql("mutation OrgctlCommit($input: CreateCommitOnBranchInput!) { "
                + "createCommitOnBranch(input: $input) { commit { oid } } }", Map.of("input", input), true);
        if (r.hasErrorType("STALE_DATA")) {
            log.atInfo().addKeyValue("repo", repo.fullName()).addKeyValue("branch", branch)
                    .addKeyValue("expected", expected).log("branch moved since it was read: nothing written");
            return Optional.empty();
        }
        if (!r.ok()) {
            throw refusedOrFailed(repo, "createCommitOnBranch", r);
        }
        String oid = r.data().path("createCommitOnBranch").path("commit").path("oid").asText("");
        if (oid.isEmpty()) {
            throw new HostException(repo + ": createCommitOnBranch answered without a commit");
        }
        log.atInfo().addKeyValue("repo", repo.fullName()).addKeyValue("branch", branch).addKeyValue("commit", oid)
                .addKeyValue("files", changes.size()).log("committed");
        return Optional.of(oid);
    }

    RuntimeException refusedOrFailed(RepoRef repo, String what, GitHubClient.GraphQLResult r) {
        GitHubApiException e = ApiErrors.graphql(what + " on " + repo, r.errors(), client.credentials().describe());
        if (e.kind() == GitHubApiException.Kind.FORBIDDEN || e.kind() == GitHubApiException.Kind.NOT_FOUND
                || r.hasErrorType("UNPROCESSABLE")) {
            return new Refused(e.getMessage());
        }
        return e;
    }

    /**
     * The REST Git Data path, for what {@code createCommitOnBranch} cannot do: executable files and
     * a branch that does not exist yet. A tree on the parent's tree, a commit, then the ref moved by
     * GraphQL {@code updateRefs} with {@code beforeOid}: compare-and-set like the mutation's fence.
     */
    private CommitResult commitViaGitData(RepoRef repo, CommitRequest request) {
        try {
            String commit = gitDataCommit(repo, request.expectedHead(), request.changes(), request.message(),
                    request.identity().name(), request.identity().email());
            String before = request.expectedHead().orElse(ZEROS);
            if (!updateRef(repo, Constants.R_HEADS + request.branch(), before, commit, false)) {
                return new CommitResult.MovedHead(freshHead(repo, request.branch()));
            }
            request.expectedHead().ifPresent(e -> cache.committed(repo, request.branch(), e, commit, request.changes(),
                    stamp(request)));
            log.atInfo().addKeyValue("repo", repo.fullName()).addKeyValue("branch", request.branch())
                    .addKeyValue("commit", commit).log("committed through the git data api");
            return new CommitResult.Committed(commit);
        } catch (GitHubApiException e) {
            if (e.kind() == GitHubApiException.Kind.CONFLICT) {
                return new CommitResult.Rejected(repo + " is empty: GitHub's API cannot commit to a repository "
                        + "without a first commit (" + e.getMessage() + ")");
            }
            if (e.kind() == GitHubApiException.Kind.FORBIDDEN || e.kind() == GitHubApiException.Kind.NOT_FOUND
                    || e.kind() == GitHubApiException.Kind.VALIDATION) {
                return new CommitResult.Rejected(e.getMessage());
            }
            throw e;
        }
    }

    String gitDataCommit(RepoRef repo, Optional<String> parent, List<FileChange> changes, String message,
                         String authorName, String authorEmail) {
        List<Map<String, Object>> tree = new ArrayList<>();
        for (FileChange c : changes) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", c.path());
            e.put("type", "blob");
            if (c instanceof FileChange.Put p) {
                e.put("mode", p.file().mode().git());
                String sha = client.post(GitHubPaths.repoPath(repo) + "/git/blobs", Map.of("content",
                        Base64.getEncoder().encodeToString(p.file().content()), "encoding", "base64"))
                        .json().path("sha").asText();
                e.put("sha", sha);
            } else {
                e.put("mode", "100644");
                e.put("sha", null);
            }
            tree.add(e);
        }
        Map<String, Object> treeBody = new LinkedHashMap<>();
        if (parent.isPresent()) {
            String baseTree = client.get(GitHubPaths.repoPath(repo) + "/git/commits/" + parent.get()).json()
                    .path("tree").path("sha").asText();
            treeBody.put("base_tree", baseTree);
        }
        treeBody.put("tree", tree);
        String treeSha = client.post(GitHubPaths.repoPath(repo) + "/git/trees", treeBody).json().path("sha").asText();
        Map<String, Object> commitBody = new LinkedHashMap<>();
        commitBody.put("message", message);
        commitBody.put("tree", treeSha);
        commitBody.put("parents", parent.map(List::of).orElse(List.of()));
        commitBody.put("author", Map.of("name", authorName, "email", authorEmail));
        return client.post(GitHubPaths.repoPath(repo) + "/git/commits", commitBody).json().path("sha").asText();
    }

    /**
     * Moves (or creates, or with {@code after} = zeros deletes) a ref only if it points at
     * {@code before}: GraphQL {@code updateRefs}. False when it did not.
     */
    boolean updateRef(RepoRef repo, String ref, String before, String after, boolean force) {
        String repositoryId = repositoryId(repo);
        Map<String, Object> update = new LinkedHashMap<>();
        update.put("name", ref);
        update.put("beforeOid", before);
        update.put("afterOid", after);
        update.put("force", force);
        Map<String, Object> input = Map.of("repositoryId", repositoryId, "refUpdates", List.of(update));
        GitHubClient.GraphQLResult r = client.graphql("mutation OrgctlUpdateRef($input: UpdateRefsInput!) { "
                + "updateRefs(input: $input) { clientMutationId } }", Map.of("input", input), true);
        if (r.ok()) {
            return true;
        }
        // GitHub does not document the error of a failed beforeOid check: look at the ref itself.
        String branch = ref.substring(Constants.R_HEADS.length());
        String now = freshHead(repo, branch).orElse(ZEROS);
        if (!now.equals(before)) {
            return false;
        }
        throw refusedOrFailed(repo, "updateRefs", r);
    }

    private String repositoryId(RepoRef repo) {
        Optional<String> known = cache.repositoryId(repo);
        if (known.isPresent()) {
            return known.get();
        }
        String id = client.getConditional(GitHubPaths.repoPath(repo)).json().path("node_id").asText();
        cache.putRepositoryId(repo, id);
        return id;
    }

    /** The head as it is now, bypassing remembered answers (after a moved-head refusal). */
    Optional<String> freshHead(RepoRef repo, String branch) {
        cache.forget(repo, branch);
        String path = GitHubPaths.repoPath(repo) + "/git/ref/heads/" + GitHubPaths.branchPath(branch);
        return client.getIfExists(path, false)
                .map(r -> r.json().path("object").path("sha").asText());
    }

    /** Splits a commit message into GitHub's headline (first line) and body (the rest, after the blank line). */
    static String[] splitMessage(String message) {
        String m = message.strip();
        int nl = m.indexOf('\n');
        if (nl < 0) {
            return new String[] {m, ""};
        }
        return new String[] {m.substring(0, nl).strip(), m.substring(nl + 1).replaceFirst("^\\s*\\n", "").strip()};
    }
}
