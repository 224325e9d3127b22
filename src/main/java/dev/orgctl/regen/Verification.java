package dev.orgctl.regen;

import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import java.util.Optional;

/**
 * Skips a repository whose state orgctl already verified: when the head of its default branch
 * and the fingerprint of what applies to it are those recorded after its last successful run, a
 * regeneration would read its files only to find them equal, so it is not read at all. Learning
 * the head is one ref read (the git host reads the ref file; the GitHub host revalidates the ref
 * with its ETag, a free 304 while it did not move). A push moves the head, a template or
 * configuration change moves the fingerprint: neither is missed.
 *
 * <p>Only direct-mode repositories fully regenerated without template errors are recorded: in
 * pull-request mode the proposal's branch and pull request can change without the default
 * branch's head moving.
 */
public final class Verification {
    private final RepositoryHost host;
    private final VerifiedRepos store;

    public Verification(RepositoryHost host, VerifiedRepos store) {
        this.host = host;
        this.store = store;
    }

    /** {@link RegenResult.Unchanged} when the repository is as orgctl last verified it. */
    public Optional<RegenResult> skip(TemplateSnapshot templates, RepositoryInfo repo) {
        if (store == VerifiedRepos.NONE || !templates.isCandidate(repo)) {
            return Optional.empty();
        }
        Optional<VerifiedRepos.Verified> known = store.get(repo.ref());
        if (known.isEmpty() || !known.get().fingerprint().equals(templates.fingerprint(repo))) {
            return Optional.empty();
        }
        Optional<String> head = host.branchHead(repo.ref(), repo.defaultBranch());
        if (head.isEmpty() || !head.get().equals(known.get().head())) {
            return Optional.empty();
        }
        return Optional.of(new RegenResult.Unchanged(repo, head.get()));
    }

    /** Records what a run verified (and forgets the repository when the run verified nothing). */
    public void record(TemplateSnapshot templates, RegenResult result) {
        if (store == VerifiedRepos.NONE || result instanceof RegenResult.Unchanged) {
            return;
        }
        Optional<String> head = verifiedHead(result);
        if (head.isPresent()) {
            store.put(result.repo().ref(), new VerifiedRepos.Verified(head.get(), templates.fingerprint(result.repo())));
        } else {
            store.forget(result.repo().ref());
        }
    }

    /** Skips the repository when verified; otherwise regenerates it and records the result. */
    public RegenResult regenerate(RegenExecutor executor, TemplateSnapshot templates, RepositoryInfo repo,
                                  RunContext ctx) {
        Optional<RegenResult> skipped = skip(templates, repo);
        if (skipped.isPresent()) {
            return skipped.get();
        }
        RegenResult result = executor.regenerate(templates, repo, ctx);
        record(templates, result);
        return result;
    }

    private static Optional<String> verifiedHead(RegenResult result) {
        Optional<RepoPlan> plan = result.appliedPlan();
        if (plan.isEmpty() || plan.get().failed() || plan.get().mode() != CommitMode.DIRECT) {
            return Optional.empty();
        }
        if (result instanceof RegenResult.Committed c) {
            return Optional.of(c.commitId()); // orgctl's own commit holds exactly the plan
        }
        if (result instanceof RegenResult.NoChange n) {
            return n.plan().baseCommit();
        }
        return Optional.empty();
    }
}
