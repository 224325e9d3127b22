package dev.orgctl.hosts;

import java.util.Optional;

/** What became of a pull-request-mode proposal. */
public sealed interface ProposalResult
        permits ProposalResult.Updated, ProposalResult.Unchanged, ProposalResult.MovedHead, ProposalResult.Rejected {

    /**
     * The proposal branch now holds {@code commitId}. {@code url} is the pull request on hosts
     * that have them (GitHub); the git backend has none: the branch is the proposal.
     */
    record Updated(String branch, String commitId, Optional<String> url) implements ProposalResult {
    }

    /** The proposal branch already holds exactly these changes on this base: nothing written. */
    record Unchanged(String branch, String commitId, Optional<String> url) implements ProposalResult {
    }

    /** Someone else moved the proposal branch since it was read: re-plan. */
    record MovedHead(Optional<String> actualHead) implements ProposalResult {
    }

    record Rejected(String reason) implements ProposalResult {
    }
}
