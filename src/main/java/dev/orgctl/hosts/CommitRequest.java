package dev.orgctl.hosts;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One regeneration written as one commit on {@code branch}, fenced: the update succeeds only when
 * the branch head still equals {@code expectedHead} at the moment of the ref update (an empty
 * {@code expectedHead} means the branch must not exist yet). It is never forced.
 *
 * @param branch       short branch name, e.g. {@code main}
 * @param expectedHead the head the changes were planned from
 * @param message      the full commit message (subject, body, trailers)
 * @param changes      at least one change; at most one per path
 * @param identity     author and committer
 */
public record CommitRequest(String branch, Optional<String> expectedHead, String message, List<FileChange> changes,
                            CommitIdentity identity) {
    public CommitRequest {
        Objects.requireNonNull(branch, "branch");
        Objects.requireNonNull(expectedHead, "expectedHead");
        Objects.requireNonNull(message, "message");
        changes = List.copyOf(changes);
        Objects.requireNonNull(identity, "identity");
        if (changes.isEmpty()) {
            throw new IllegalArgumentException("a commit needs at least one change: no diff, no commit");
        }
        Set<String> seen = new HashSet<>();
        for (FileChange c : changes) {
            if (!seen.add(c.path())) {
                throw new IllegalArgumentException("two changes for the same path: " + c.path());
            }
        }
    }
}
