package dev.orgctl.regen.preview;

import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.ProposalResult;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The host as one repository's preview sees it. A preview plans each repository twice (with the
 * templates at the base and at the head) and must write nothing: writes are refused here, so a
 * mistake cannot reach a target, and a branch read that an earlier read of the same branch
 * already covers is answered from that read, so the second plan costs no API call (the two plans
 * also see the same commit, even if someone pushes in between). Not shared between repositories
 * or threads.
 */
final class PreviewReads implements RepositoryHost {
    private final RepositoryHost host;
    private RepoRef readRepo;
    private String readBranch;
    private FileSelection readSelection;
    private Optional<RepoSnapshot> read;

    PreviewReads(RepositoryHost host) {
        this.host = host;
    }

    @Override
    public Optional<RepoSnapshot> readBranch(RepoRef repo, String branch, FileSelection selection) {
        if (read != null && repo.equals(readRepo) && branch.equals(readBranch) && covers(readSelection, selection)) {
            return read.map(snapshot -> only(snapshot, selection));
        }
        read = host.readBranch(repo, branch, selection);
        readRepo = repo;
        readBranch = branch;
        readSelection = selection;
        return read;
    }

    private static boolean covers(FileSelection earlier, FileSelection now) {
        return now.paths().stream().allMatch(earlier::matches)
                && now.subtrees().stream().allMatch(t -> earlier.subtrees().contains(t)
                        || earlier.subtrees().stream().anyMatch(e -> t.startsWith(e + "/")));
    }

    /** The earlier answer cut down to what this selection asks, as the host would have answered it. */
    private static RepoSnapshot only(RepoSnapshot snapshot, FileSelection selection) {
        Map<String, dev.orgctl.hosts.RepoFile> files = new LinkedHashMap<>();
        snapshot.files().forEach((path, file) -> {
            if (selection.matches(path)) {
                files.put(path, file);
            }
        });
        Map<String, RepoSnapshot.NotFile> notFiles = new LinkedHashMap<>();
        snapshot.notFiles().forEach((path, what) -> {
            if (selection.matches(path)) {
                notFiles.put(path, what);
            }
        });
        return new RepoSnapshot(snapshot.commitId(), files, notFiles, snapshot.stamp());
    }

    @Override
    public String kind() {
        return host.kind();
    }

    @Override
    public List<RepositoryInfo> listRepositories(String org) {
        return host.listRepositories(org);
    }

    @Override
    public Optional<RepositoryInfo> repository(RepoRef repo) {
        return host.repository(repo);
    }

    @Override
    public Optional<String> branchHead(RepoRef repo, String branch) {
        return host.branchHead(repo, branch);
    }

    @Override
    public Optional<String> resolveCommit(RepoRef repo, String ref) {
        return host.resolveCommit(repo, ref);
    }

    @Override
    public RepoSnapshot readCommit(RepoRef repo, String commitId, FileSelection selection) {
        return host.readCommit(repo, commitId, selection);
    }

    @Override
    public CommitResult commit(RepoRef repo, CommitRequest request) {
        throw new IllegalStateException("a preview writes nothing: commit to " + repo.fullName() + " refused");
    }

    @Override
    public ProposalResult propose(RepoRef repo, ProposalRequest request) {
        throw new IllegalStateException("a preview writes nothing: proposal on " + repo.fullName() + " refused");
    }

    @Override
    public boolean closeProposal(RepoRef repo, String proposalBranch, String reason) {
        throw new IllegalStateException("a preview writes nothing: closing a proposal on " + repo.fullName()
                + " refused");
    }

    /** The host belongs to whoever made the preview. */
    @Override
    public void close() {
    }
}
