package dev.orgctl.regen;

import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.RepoFile;
import java.util.Optional;

/**
 * What a plan does to one file, and why.
 *
 * @param path       path in the target repository
 * @param action     create, update, delete, unchanged, drift-reported or refused
 * @param policy     the file's ownership policy
 * @param set        the template set ("" for the ownership manifest)
 * @param source     the template in the templates repository ("" for the manifest and stale files)
 * @param drift      someone changed the file since orgctl last wrote it
 * @param note       a short human explanation ("" when there is nothing to add)
 * @param before     the file's current content, null when it does not exist
 * @param after      the content orgctl writes (or, for drift-reported, would write); null for delete and unchanged
 * @param mode       the file mode orgctl writes
 * @param beforeMode the file's current mode, null when it does not exist
 */
@SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
public record FilePlan(String path, FileAction action, Policy policy, String set, String source, boolean drift,
                       String note, byte[] before, byte[] after, RepoFile.Mode mode, RepoFile.Mode beforeMode) {

    /** The change to commit, if this file changes. */
    public Optional<FileChange> change() {
        switch (action) {
            case CREATE:
            case UPDATE:
                return Optional.of(new FileChange.Put(path, new RepoFile(after, mode)));
            case DELETE:
                return Optional.of(new FileChange.Delete(path));
            default:
                return Optional.empty();
        }
    }

    /**
     * The unified diff from the current content to what orgctl writes (or would write, for
     * drift-reported), with a mode change and byte-level or line-ending-only differences made visible.
     */
    public String unifiedDiff() {
        switch (action) {
            case CREATE:
            case UPDATE:
            case DRIFT_REPORTED:
                return after == null ? "" : UnifiedDiff.of(path, before, beforeMode, after, mode);
            case DELETE:
                return UnifiedDiff.of(path, before, beforeMode, null, null);
            default:
                return "";
        }
    }

    @Override
    public String toString() {
        return action.label() + " " + path + (note.isEmpty() ? "" : " (" + note + ")");
    }
}
