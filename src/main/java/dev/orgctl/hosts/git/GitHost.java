package dev.orgctl.hosts.git;

import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.HostException;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.ProposalResult;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code git} repository host: bare repositories under {@code <root>/<org>/<repo>.git}, the
 * templates repository at {@code <root>/<org>/.github.git}. Everything goes through JGit on the
 * object database and refs, without working trees: {@link SnapshotReader} reads, and
 * {@link BranchWriter} is the one commit path, for commits and proposals alike: blobs and trees are
 * written with an {@link ObjectInserter} (a {@link DirCache} in memory assembles the new tree), and
 * the branch is moved with a {@link RefUpdate} that names the expected old head, so a concurrent push
 * (by orgctl or any git client) makes the update fail instead of being overwritten.
 *
 * <p>Repository metadata (topics, visibility, archived, language) lives in each repository's
 * git config, section {@code [orgctl]} (see {@link GitRepoSettings}); the default branch is the
 * target of {@code HEAD}. That side, organization administration, is {@link GitOrgAdmin}.
 */
public final class GitHost implements RepositoryHost {
    /** The templates repository's name in every org. */
    public static final String TEMPLATES_REPO = ".github";
    private static final Logger log = LoggerFactory.getLogger(GitHost.class);
    private static final String NOTHING_TO_COMMIT = "the changes leave the tree as it is: nothing to commit";

    private final Path root;
    private final RepoPool pool;
    private final GitOrgAdmin admin;

    public GitHost(Path root) {
        this(root, 64);
    }

    /** @param openRepositories how many repositories stay open between calls */
    public GitHost(Path root, int openRepositories) {
        this.root = root.toAbsolutePath().normalize();
        this.pool = new RepoPool(openRepositories);
        this.admin = new GitOrgAdmin(this.root);
    }

    @Override
    public String kind() {
        return "git";
    }

    public Path root() {
        return root;
    }

    // ---------------------------------------------------------------- organization administration

    /** {@code <root>/<org>/<name>.git}. */
    public Path gitDir(RepoRef repo) {
        return admin.gitDir(repo);
    }

    /** The organizations under the root: every directory holding at least one {@code *.git}. */
    public List<String> organizations() {
        return admin.organizations();
    }

    /** Names of the repositories of an org (directories {@code <name>.git} that look like bare repositories). */
    public List<String> repositoryNames(String org) {
        return admin.repositoryNames(org);
    }

    /**
     * Creates a bare repository with {@code HEAD} on the settings' default branch and its metadata,
     * or updates the metadata of an existing one. For the demo, benchmarks and tests.
     */
    public RepositoryInfo createRepository(RepoRef repo, GitRepoSettings settings) {
        return admin.createRepository(repo, settings);
    }

    /** Writes the metadata of an existing repository (and points HEAD at the default branch). */
    public void writeSettings(RepoRef repo, GitRepoSettings settings) {
        admin.writeSettings(repo, settings);
    }

    /** The repository's stable numeric id, assigned on first use (see {@link GitOrgAdmin#repositoryId}). */
    public long repositoryId(RepoRef repo) {
        return admin.repositoryId(repo);
    }

    // ---------------------------------------------------------------- reads

    @Override
    public List<RepositoryInfo> listRepositories(String org) {
        List<RepositoryInfo> out = new ArrayList<>();
        for (String name : repositoryNames(org)) {
            repository(new RepoRef(org, name)).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public Optional<RepositoryInfo> repository(RepoRef repo) {
        return admin.repository(repo);
    }

    @Override
    public Optional<String> branchHead(RepoRef repo, String branch) {
        Path dir = gitDir(repo);
        if (!GitOrgAdmin.isBareRepository(dir)) {
            return Optional.empty();
        }
        try (RepoPool.Lease l = pool.acquire(dir)) {
            Ref ref = l.repo().exactRef(Constants.R_HEADS + branch);
            return ref == null || ref.getObjectId() == null ? Optional.empty() : Optional.of(ref.getObjectId().name());
        } catch (IOException e) {
            throw new HostException(repo + ": cannot read branch " + branch + ": " + e.getMessage(), e);
        }
    }

    /** Branches, tags (annotated ones peeled) and full or abbreviated commit ids, as {@code git rev-parse}. */
    @Override
    public Optional<String> resolveCommit(RepoRef repo, String ref) {
        Path dir = gitDir(repo);
        if (!GitOrgAdmin.isBareRepository(dir) || ref.isBlank() || ref.startsWith("-")) {
            return Optional.empty();
        }
        try (RepoPool.Lease l = pool.acquire(dir)) {
            Ref branch = l.repo().exactRef(Constants.R_HEADS + ref);
            if (branch != null && branch.getObjectId() != null) {
                return Optional.of(branch.getObjectId().name());
            }
            ObjectId id = l.repo().resolve(ref + "^{commit}");
            return Optional.ofNullable(id).map(ObjectId::name);
        } catch (org.eclipse.jgit.errors.RevisionSyntaxException | org.eclipse.jgit.errors.AmbiguousObjectException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new HostException(repo + ": cannot resolve " + ref + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<RepoSnapshot> readBranch(RepoRef repo, String branch, FileSelection selection) {
        Path dir = gitDir(repo);
        if (!GitOrgAdmin.isBareRepository(dir)) {
            return Optional.empty();
        }
        try (RepoPool.Lease l = pool.acquire(dir)) {
            Ref ref = l.repo().exactRef(Constants.R_HEADS + branch);
            if (ref == null || ref.getObjectId() == null) {
                return Optional.empty();
            }
            return Optional.of(SnapshotReader.read(l.repo(), ref.getObjectId(), selection));
        } catch (IOException e) {
            throw new HostException(repo + ": cannot read branch " + branch + ": " + e.getMessage(), e);
        }
    }

    @Override
    public RepoSnapshot readCommit(RepoRef repo, String commitId, FileSelection selection) {
        Path dir = gitDir(repo);
        try (RepoPool.Lease l = pool.acquire(dir)) {
            return SnapshotReader.read(l.repo(), ObjectId.fromString(commitId), selection);
        } catch (IOException e) {
            throw new HostException(repo + ": cannot read commit " + commitId + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- writes: one commit path

    @Override
    public CommitResult commit(RepoRef repo, CommitRequest request) {
        Path dir = gitDir(repo);
        if (!GitOrgAdmin.isBareRepository(dir)) {
            return new CommitResult.Rejected("no repository " + repo.fullName() + " under " + root);
        }
        String refName = Constants.R_HEADS + request.branch();
        try (RepoPool.Lease l = pool.acquire(dir); BranchWriter writer = new BranchWriter(l.repo())) {
            ObjectId expected = request.expectedHead().map(ObjectId::fromString).orElse(null);
            Optional<ObjectId> current = writer.head(refName);
            if (!BranchWriter.sameId(current.orElse(null), expected)) {
                return new CommitResult.MovedHead(current.map(ObjectId::name));
            }
            RevCommit parent = expected == null ? null : writer.parse(expected);
            BranchWriter.Outcome outcome = writer.write(new BranchWriter.Write(refName, parent, expected,
                    request.changes(), request.message(), request.identity(), "orgctl: regenerate", false),
                    tree -> parent != null && tree.equals(parent.getTree())
                            ? Optional.of(new BranchWriter.Refused(NOTHING_TO_COMMIT))
                            : Optional.empty());
            if (outcome instanceof BranchWriter.Written w) {
                log.atDebug().addKeyValue("repo", repo.fullName()).addKeyValue("branch", request.branch())
                        .addKeyValue("commit", w.commit().name()).log("committed");
                return new CommitResult.Committed(w.commit().name());
            }
            if (outcome instanceof BranchWriter.Moved m) {
                return new CommitResult.MovedHead(m.now().map(ObjectId::name));
            }
            return new CommitResult.Rejected(((BranchWriter.Refused) outcome).reason());
        } catch (MissingObjectException e) {
            return new CommitResult.Rejected(repo + ": expected head " + request.expectedHead().orElse("-")
                    + " is not a commit of this repository");
        } catch (IOException e) {
            throw new HostException(repo + ": cannot commit to " + request.branch() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ProposalResult propose(RepoRef repo, ProposalRequest request) {
        Path dir = gitDir(repo);
        if (!GitOrgAdmin.isBareRepository(dir)) {
            return new ProposalResult.Rejected("no repository " + repo.fullName() + " under " + root);
        }
        String refName = Constants.R_HEADS + request.proposalBranch();
        try (RepoPool.Lease l = pool.acquire(dir); BranchWriter writer = new BranchWriter(l.repo())) {
            RevCommit base = writer.parse(ObjectId.fromString(request.baseHead()));
            Optional<ObjectId> current = writer.head(refName);
            // The proposal branch is orgctl's own: it is rebuilt on the base each time, so its update is
            // not a fast-forward (forced); it is still compare-and-set on the head read here.
            BranchWriter.Outcome outcome = writer.write(new BranchWriter.Write(refName, base, current.orElse(null),
                    request.changes(), request.message(), request.identity(), "orgctl: proposal", true),
                    tree -> alreadyProposed(writer, current, base, tree));
            if (outcome instanceof BranchWriter.Written w) {
                return new ProposalResult.Updated(request.proposalBranch(), w.commit().name(), Optional.empty(),
                        notes(request));
            }
            if (outcome instanceof BranchWriter.Kept k) {
                return new ProposalResult.Unchanged(request.proposalBranch(), k.commit(), Optional.empty(),
                        notes(request));
            }
            if (outcome instanceof BranchWriter.Moved m) {
                return new ProposalResult.MovedHead(m.now().map(ObjectId::name));
            }
            return new ProposalResult.Rejected(((BranchWriter.Refused) outcome).reason());
        } catch (MissingObjectException e) {
            return new ProposalResult.Rejected(repo + ": base " + request.baseHead() + " is not a commit");
        } catch (IOException e) {
            throw new HostException(repo + ": cannot update " + request.proposalBranch() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A git remote has no pull requests: the branch is the proposal. Settings only a pull request can
     * carry are not applied, and the result says so instead of dropping them silently.
     */
    private static List<String> notes(ProposalRequest request) {
        if (!request.options().any()) {
            return List.of();
        }
        return List.of("the git backend has no pull requests: labels, reviewers, assignees, draft and auto-merge "
                + "are not applied (the branch " + request.proposalBranch() + " is the proposal)");
    }

    /** The proposal branch is already one commit on the base with exactly this tree: nothing to write. */
    private static Optional<BranchWriter.Outcome> alreadyProposed(BranchWriter writer, Optional<ObjectId> current,
                                                                  RevCommit base, ObjectId tree) throws IOException {
        if (current.isPresent()) {
            RevCommit existing = writer.parse(current.get());
            if (existing.getParentCount() == 1 && existing.getParent(0).equals(base)
                    && existing.getTree().equals(tree)) {
                return Optional.of(new BranchWriter.Kept(existing.name()));
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean closeProposal(RepoRef repo, String proposalBranch, String reason) {
        Path dir = gitDir(repo);
        if (!GitOrgAdmin.isBareRepository(dir)) {
            return false;
        }
        String refName = Constants.R_HEADS + proposalBranch;
        try (RepoPool.Lease l = pool.acquire(dir)) {
            Optional<ObjectId> current = BranchWriter.head(l.repo(), refName);
            if (current.isEmpty()) {
                return false;
            }
            RefUpdate ru = l.repo().updateRef(refName);
            ru.setExpectedOldObjectId(current.get());
            ru.setForceUpdate(true);
            ru.setRefLogMessage("orgctl: proposal closed: " + reason, false);
            RefUpdate.Result result = ru.delete();
            boolean deleted = result == RefUpdate.Result.FORCED || result == RefUpdate.Result.NO_CHANGE
                    || result == RefUpdate.Result.FAST_FORWARD;
            log.atInfo().addKeyValue("repo", repo.fullName()).addKeyValue("branch", proposalBranch)
                    .addKeyValue("result", result).addKeyValue("reason", reason).log("proposal closed");
            return deleted;
        } catch (IOException e) {
            throw new HostException(repo + ": cannot delete " + proposalBranch + ": " + e.getMessage(), e);
        }
    }

    /** Forgets cached state of a repository (after deleting or replacing it on disk). */
    public void forget(RepoRef repo) {
        pool.forget(gitDir(repo));
    }

    @Override
    public void close() {
        pool.close();
    }
}
