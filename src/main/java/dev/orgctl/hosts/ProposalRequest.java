package dev.orgctl.hosts;

import java.util.List;
import java.util.Objects;

/**
 * Pull-request mode: the changes as one commit on top of {@code baseHead} on the proposal branch
 * (default {@code orgctl/regenerate}), which orgctl owns and keeps up to date; on GitHub, with one
 * pull request from that branch into {@code baseBranch}, updated in place.
 */
public record ProposalRequest(String baseBranch, String baseHead, String proposalBranch, String title, String body,
                              String message, List<FileChange> changes, CommitIdentity identity,
                              PullRequestOptions options) {
    public static final String DEFAULT_BRANCH = "orgctl/regenerate";

    /** A proposal whose pull request carries only its title and body. */
    public ProposalRequest(String baseBranch, String baseHead, String proposalBranch, String title, String body,
                           String message, List<FileChange> changes, CommitIdentity identity) {
        this(baseBranch, baseHead, proposalBranch, title, body, message, changes, identity, PullRequestOptions.NONE);
    }

    public ProposalRequest {
        Objects.requireNonNull(baseBranch, "baseBranch");
        Objects.requireNonNull(baseHead, "baseHead");
        Objects.requireNonNull(proposalBranch, "proposalBranch");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(message, "message");
        changes = List.copyOf(changes);
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(options, "options");
        if (changes.isEmpty()) {
            throw new IllegalArgumentException("a proposal needs at least one change");
        }
        if (proposalBranch.equals(baseBranch)) {
            throw new IllegalArgumentException("the proposal branch must differ from the base branch");
        }
    }
}
