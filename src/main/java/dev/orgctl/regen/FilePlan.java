package dev.orgctl.regen;

import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.RepoFile;
import java.util.Optional;

/**
 * What a plan does to one file, and why.
 *
 * @param path       path in the target repository
 * @param action     create, update, delete, unchanged or drift-reported
 * @param policy     the file's ownership policy
 * @param set        the template set ("" for the ownership manifest)
 * @param source     the template in the templates repository ("" for the manifest and stale files)
 * @param drift      someone changed the file since orgctl last wrote it
 * @param note       a short human explanation ("" when there is nothing to add)
 * @param before     the file's current content, null when it does not exist
 * @param after      the content orgctl writes (or, for drift-reported, would write); null for delete and unchanged
 * @param executable the file mode orgctl writes
 */
public record FilePlan(String path, FileAction action, Policy policy, String set, String source, boolean drift,
                       String note, byte[] before, byte[] after, boolean executable) {

    /** The change to commit, if this file changes. */
    public Optional<FileChange> change() {
        switch (action) {
            case CREATE:
            case UPDATE:
                return Optional.of(new FileChange.Put(path, new RepoFile(after, executable)));
            case DELETE:
                return Optional.of(new FileChange.Delete(path));
            default:
                return Optional.empty();
        }
    }

    /** The unified diff from the current content to what orgctl writes (or would write, for drift-reported). */
    public String unifiedDiff() {
        switch (action) {
            case CREATE:
            case UPDATE:
            case DRIFT_REPORTED:
                return UnifiedDiff.of(path, before, after);
            case DELETE:
                return UnifiedDiff.of(path, before, null);
            default:
                return "";
        }
    }

    @Override
    public String toString() {
        return action.label() + " " + path + (note.isEmpty() ? "" : " (" + note + ")");
    }
}
