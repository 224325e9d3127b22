package dev.orgctl.hosts;

import java.util.List;
import java.util.Optional;

/**
 * Where the organization's repositories live: the {@code git} backend (bare repositories on disk,
 * {@link dev.orgctl.hosts.git.GitHost}) or GitHub. Regeneration needs only these operations, shaped
 * so that GitHub can serve each in one API call: a listing, a read of a branch head together
 * with the files orgctl looks at (one GraphQL query), a read of more files at a known commit, one
 * fenced commit per repository ({@code createCommitOnBranch} with {@code expectedHeadOid}), and
 * the pull-request mode.
 *
 * <p>Implementations are thread-safe. Failures to reach or read the host are {@link HostException};
 * outcomes a caller must handle are sealed results.
 */
public interface RepositoryHost extends AutoCloseable {

    /** {@code git} or {@code github}: for logs and messages. */
    String kind();

    /** Every repository of the organization with its metadata, sorted by name. */
    List<RepositoryInfo> listRepositories(String org);

    /** One repository's metadata, or empty when it does not exist. */
    Optional<RepositoryInfo> repository(RepoRef repo);

    /** The commit a branch points at, or empty when the branch (or repository) does not exist. */
    Optional<String> branchHead(RepoRef repo, String branch);

    /**
     * The commit a branch, tag or commit id names ({@code main}, {@code v1.2}, a full or, where the
     * host allows, abbreviated SHA), or empty when it names none. A branch wins over a tag of the
     * same name, as in git. This default knows branches and full SHAs (without checking that the
     * commit exists); hosts add tags and abbreviations.
     */
    default Optional<String> resolveCommit(RepoRef repo, String ref) {
        Optional<String> branch = branchHead(repo, ref);
        if (branch.isPresent()) {
            return branch;
        }
        return ref.matches("[0-9a-f]{40}") ? Optional.of(ref) : Optional.empty();
    }

    /**
     * The branch head and the selected files at that commit, read consistently in one call; empty
     * when the branch does not exist.
     */
    Optional<RepoSnapshot> readBranch(RepoRef repo, String branch, FileSelection selection);

    /** The selected files at a known commit. */
    RepoSnapshot readCommit(RepoRef repo, String commitId, FileSelection selection);

    /**
     * Writes {@code request.changes()} as one commit whose parent is {@code request.expectedHead()}
     * and moves the branch to it only if the branch still points at the expected head: otherwise
     * {@link CommitResult.MovedHead} and nothing is changed. Never a forced update.
     */
    CommitResult commit(RepoRef repo, CommitRequest request);

    /**
     * Pull-request mode: rebuilds the proposal branch as one commit of the changes on top of the
     * base head, fenced on the proposal branch's previous value, and opens or updates the pull
     * request with the request's {@link PullRequestOptions}. What a host cannot apply (the git
     * backend has no pull requests; a repository that does not allow auto-merge) is a note in the
     * result, never a silent drop and never a failure. The base branch is never written.
     */
    ProposalResult propose(RepoRef repo, ProposalRequest request);

    /**
     * Closes the proposal when it is no longer needed (its changes are in the base branch, or the
     * templates no longer produce any): closes the pull request and deletes the branch. Returns
     * whether there was one to close.
     */
    boolean closeProposal(RepoRef repo, String proposalBranch, String reason);

    /**
     * The CI results the host reports for a commit (a rollout's gate polls them for results whose
     * deliveries it missed). Empty: the host has no such report (the git backend, whose simulated CI
     * only delivers); a commit with no CI configured is present with no checks.
     */
    default java.util.Optional<CommitChecks> commitChecks(RepoRef repo, String sha) {
        return java.util.Optional.empty();
    }

    /**
     * Pull-request mode: whether the pull request was merged (a rollout's gate with auto-merge waits
     * for it). Empty: the host cannot tell (no pull requests).
     */
    default java.util.Optional<Boolean> proposalMerged(RepoRef repo, int pullNumber) {
        return java.util.Optional.empty();
    }

    @Override
    void close();
}
