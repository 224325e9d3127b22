package dev.orgctl.hosts.github;

import dev.orgctl.hosts.CommitChecks;
import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.ProposalResult;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The {@code github} repository host: GitHub's REST and GraphQL APIs through {@link GitHubClient}.
 * Every operation is shaped to cost as few calls as GitHub allows:
 *
 * <ul>
 *   <li>listing: {@code GET /orgs/{org}/repos} 100 per page, conditional (an unchanged org costs
 *       nothing to list again);</li>
 *   <li>reading a branch: one GraphQL query returns the head commit and every selected file and
 *       subtree at that commit, consistently. The snapshot is remembered; the next read first
 *       revalidates the branch ref with its ETag ({@code GET /git/ref/heads/{b}}): a 304 (free) or
 *       an unchanged head serves the remembered snapshot without reading a file;</li>
 *   <li>writing: one GraphQL {@code createCommitOnBranch} with {@code expectedHeadOid}: one call,
 *       fenced on the planned head (a moved head is {@link CommitResult.MovedHead}, never forced),
 *       and signed by GitHub (verified). Files that must be executable, which that mutation cannot
 *       write (it writes every file as 100644), take the REST Git Data path instead: tree, commit,
 *       and a ref update fenced with GraphQL {@code updateRefs}' {@code beforeOid};</li>
 *   <li>pull-request mode: the proposal branch is reset onto the base head with a fenced
 *       {@code updateRefs}, gets one {@code createCommitOnBranch}, and one pull request per
 *       repository is opened or updated in place.</li>
 * </ul>
 *
 * <p>Commits made through {@code createCommitOnBranch} are authored by the authenticated account
 * (the App's bot, or the token's user): {@link CommitRequest#identity()} applies to the Git Data
 * path only.
 *
 * <p>The work is in parts along its seams: {@link GitHubReads}, {@link GitHubCommits} and
 * {@link GitHubProposals}, sharing one client and one {@link SnapshotCache}, and
 * {@link GitHubCommitChecks}, what a rollout's gate polls (CI results, merged pull requests).
 */
public final class GitHubHost implements RepositoryHost {
    private final GitHubClient client;
    private final GitHubReads reads;
    private final GitHubCommits commits;
    private final GitHubProposals proposals;
    private final GitHubCommitChecks checks;

    public GitHubHost(GitHubClient client) {
        this(client, 20_000);
    }

    /** @param cacheEntries how many branch snapshots are remembered (one per repository and branch read) */
    public GitHubHost(GitHubClient client, int cacheEntries) {
        this.client = client;
        SnapshotCache cache = new SnapshotCache(cacheEntries);
        Clock clock = Clock.systemUTC();
        this.reads = new GitHubReads(client, cache, clock);
        this.commits = new GitHubCommits(client, cache, clock);
        this.proposals = new GitHubProposals(client, cache, clock, reads, commits);
        this.checks = new GitHubCommitChecks(client);
    }

    public GitHubClient client() {
        return client;
    }

    @Override
    public String kind() {
        return "github";
    }

    @Override
    public List<RepositoryInfo> listRepositories(String org) {
        return reads.listRepositories(org);
    }

    @Override
    public Optional<RepositoryInfo> repository(RepoRef repo) {
        return reads.repository(repo);
    }

    @Override
    public Optional<String> branchHead(RepoRef repo, String branch) {
        return reads.branchHead(repo, branch);
    }

    @Override
    public Optional<String> resolveCommit(RepoRef repo, String ref) {
        return reads.resolveCommit(repo, ref);
    }

    @Override
    public Optional<RepoSnapshot> readBranch(RepoRef repo, String branch, FileSelection selection) {
        return reads.readBranch(repo, branch, selection);
    }

    @Override
    public RepoSnapshot readCommit(RepoRef repo, String commitId, FileSelection selection) {
        return reads.readCommit(repo, commitId, selection);
    }

    @Override
    public CommitResult commit(RepoRef repo, CommitRequest request) {
        return commits.commit(repo, request);
    }

    @Override
    public ProposalResult propose(RepoRef repo, ProposalRequest request) {
        return proposals.propose(repo, request);
    }

    @Override
    public boolean closeProposal(RepoRef repo, String proposalBranch, String reason) {
        return proposals.closeProposal(repo, proposalBranch, reason);
    }

    /** The commit's check suites and commit statuses ({@link GitHubCommitChecks}). */
    @Override
    public Optional<CommitChecks> commitChecks(RepoRef repo, String sha) {
        return checks.read(repo, sha);
    }

    /** The pull request's {@code merged}; empty when GitHub has no such pull request. */
    @Override
    public Optional<Boolean> proposalMerged(RepoRef repo, int pullNumber) {
        return checks.merged(repo, pullNumber);
    }

    @Override
    public void close() {
        client.close();
    }
}
