package dev.orgctl.hosts;

import java.util.Optional;

/** What became of a fenced commit. */
public sealed interface CommitResult permits CommitResult.Committed, CommitResult.MovedHead, CommitResult.Rejected {

    /** The branch now points at {@code commitId}, whose parent is the expected head. */
    record Committed(String commitId) implements CommitResult {
    }

    /**
     * The branch head was not the expected one when the ref was updated: nothing was written to
     * the branch. {@code actualHead} is empty when the branch does not exist.
     */
    record MovedHead(Optional<String> actualHead) implements CommitResult {
    }

    /** The host refused the commit for a reason re-planning does not cure (missing repository, permission). */
    record Rejected(String reason) implements CommitResult {
    }
}
