package dev.orgctl.hosts;

import java.util.List;
import java.util.Optional;

/** What became of a pull-request-mode proposal. */
public sealed interface ProposalResult
        permits ProposalResult.Updated, ProposalResult.Unchanged, ProposalResult.MovedHead, ProposalResult.Rejected {

    /**
     * The proposal branch now holds {@code commitId}. {@code pull} is the pull request on hosts
     * that have them (GitHub); the git backend has none: the branch is the proposal. {@code notes}
     * are what the operator should read: a setting that could not be applied, and why.
     */
    record Updated(String branch, String commitId, Optional<PullRequestRef> pull, List<String> notes)
            implements ProposalResult {
        public Updated {
            notes = List.copyOf(notes);
        }

        public Optional<String> url() {
            return pull.map(PullRequestRef::url);
        }
    }

    /** The proposal branch already holds exactly these changes on this base: nothing written. */
    record Unchanged(String branch, String commitId, Optional<PullRequestRef> pull, List<String> notes)
            implements ProposalResult {
        public Unchanged {
            notes = List.copyOf(notes);
        }

        public Optional<String> url() {
            return pull.map(PullRequestRef::url);
        }
    }

    /** Someone else moved the proposal branch since it was read: re-plan. */
    record MovedHead(Optional<String> actualHead) implements ProposalResult {
    }

    record Rejected(String reason) implements ProposalResult {
    }
}
