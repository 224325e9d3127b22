package dev.orgctl.regen;

import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.ProposalResult;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import java.util.List;
import java.util.Optional;

/** A host that forwards every call: tests override what they want to disturb or count. */
public class ForwardingHost implements RepositoryHost {
    private final RepositoryHost delegate;

    public ForwardingHost(RepositoryHost delegate) {
        this.delegate = delegate;
    }

    @Override
    public String kind() {
        return delegate.kind();
    }

    @Override
    public List<RepositoryInfo> listRepositories(String org) {
        return delegate.listRepositories(org);
    }

    @Override
    public Optional<RepositoryInfo> repository(RepoRef repo) {
        return delegate.repository(repo);
    }

    @Override
    public Optional<String> branchHead(RepoRef repo, String branch) {
        return delegate.branchHead(repo, branch);
    }

    @Override
    public Optional<String> resolveCommit(RepoRef repo, String ref) {
        return delegate.resolveCommit(repo, ref);
    }

    @Override
    public Optional<RepoSnapshot> readBranch(RepoRef repo, String branch, FileSelection selection) {
        return delegate.readBranch(repo, branch, selection);
    }

    @Override
    public RepoSnapshot readCommit(RepoRef repo, String commitId, FileSelection selection) {
        return delegate.readCommit(repo, commitId, selection);
    }

    @Override
    public CommitResult commit(RepoRef repo, CommitRequest request) {
        return delegate.commit(repo, request);
    }

    @Override
    public ProposalResult propose(RepoRef repo, ProposalRequest request) {
        return delegate.propose(repo, request);
    }

    @Override
    public boolean closeProposal(RepoRef repo, String proposalBranch, String reason) {
        return delegate.closeProposal(repo, proposalBranch, reason);
    }

    @Override
    public java.util.Optional<dev.orgctl.hosts.CommitChecks> commitChecks(RepoRef repo, String sha) {
        return delegate.commitChecks(repo, sha);
    }

    @Override
    public java.util.Optional<Boolean> proposalMerged(RepoRef repo, int pullNumber) {
        return delegate.proposalMerged(repo, pullNumber);
    }

    @Override
    public void close() {
    }
}
