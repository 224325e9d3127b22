package dev.orgctl.regen;

import dev.orgctl.hosts.PullRequestRef;
import dev.orgctl.hosts.RepositoryInfo;
import java.util.List;
import java.util.Optional;

/** What a regeneration of one repository did. */
public sealed interface RegenResult permits RegenResult.Committed, RegenResult.NoChange, RegenResult.Proposed,
        RegenResult.ProposalClosed, RegenResult.HeadKeptMoving, RegenResult.Failed, RegenResult.Skipped,
        RegenResult.Unchanged {

    RepositoryInfo repo();

    /** How many times the head moved under the run and it planned again. */
    int replans();

    /** The plan this result applied, when it got that far. */
    default Optional<RepoPlan> appliedPlan() {
        if (this instanceof Committed c) {
            return Optional.of(c.plan());
        }
        if (this instanceof NoChange n) {
            return Optional.of(n.plan());
        }
        if (this instanceof Proposed p) {
            return Optional.of(p.plan());
        }
        if (this instanceof ProposalClosed p) {
            return Optional.of(p.plan());
        }
        return Optional.empty();
    }

    /**
     * Template errors of the applied plan: their sets were left out for this repository while the
     * other sets were applied. Not empty means the repository is not fully regenerated.
     */
    default List<TemplateError> templateErrors() {
        return appliedPlan().map(RepoPlan::errors).orElse(List.of());
    }

    /** One commit on the default branch: record {@code commitId} as orgctl's own (snake prevention, layer 1). */
    record Committed(RepositoryInfo repo, String commitId, RepoPlan plan, int replans) implements RegenResult {
    }

    /** Nothing differed: no commit (and no event). */
    record NoChange(RepoPlan plan, int replans) implements RegenResult {
        @Override
        public RepositoryInfo repo() {
            return plan.repo();
        }
    }

    /**
     * Pull-request mode: the proposal branch holds the changes; {@code updated} is false when it already
     * did. {@code commitId} is orgctl's own commit (on the proposal branch), the pull request's head.
     * {@code pull} is the pull request (GitHub; number, auto-merge state), {@code notes} what of the
     * {@code pull_request} settings could not be applied.
     */
    record Proposed(RepositoryInfo repo, String branch, String commitId, boolean updated,
                    Optional<PullRequestRef> pull, List<String> notes, RepoPlan plan, int replans)
            implements RegenResult {
        public Proposed {
            notes = List.copyOf(notes);
        }

        public Optional<String> url() {
            return pull.map(PullRequestRef::url);
        }
    }

    /** Pull-request mode, nothing differs any more: the proposal was closed. */
    record ProposalClosed(RepositoryInfo repo, String branch, RepoPlan plan, int replans) implements RegenResult {
    }

    /** The head moved at every attempt: given up after {@code replans} re-plans (retry later). */
    record HeadKeptMoving(RepositoryInfo repo, int replans, Optional<String> lastHead) implements RegenResult {
    }

    /**
     * The regeneration failed. {@code retryable}: a host failure that may pass (retry with backoff);
     * otherwise a template or configuration error a person must fix (dead-letter it).
     */
    record Failed(RepositoryInfo repo, String message, boolean retryable, int replans) implements RegenResult {
    }

    /** Not a repository orgctl regenerates (archived, the templates repository). */
    record Skipped(RepositoryInfo repo, String reason) implements RegenResult {
        @Override
        public int replans() {
            return 0;
        }
    }

    /**
     * Not read at all: its head and what applies to it are as orgctl last verified them
     * ({@link Verification}). Like {@link NoChange}, without the reads.
     */
    record Unchanged(RepositoryInfo repo, String head) implements RegenResult {
        @Override
        public int replans() {
            return 0;
        }
    }
}
