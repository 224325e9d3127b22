package dev.orgctl.hosts;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Files read at one commit: only those that exist and were selected. {@code notFiles} names the
 * selected exact paths that exist but are not files (a directory, a submodule), so that a caller
 * about to write a file there can tell a conflict from an absent file. {@code stamp} is the commit's
 * message and time, when the read fetched them (the planner's branch reads do).
 */
public record RepoSnapshot(String commitId, Map<String, RepoFile> files, Map<String, NotFile> notFiles,
                           Optional<CommitStamp> stamp) {
    /** What stands at a path instead of a file. */
    public enum NotFile {
        DIRECTORY("a directory"), SUBMODULE("a submodule");

        private final String description;

        NotFile(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    public RepoSnapshot {
        Objects.requireNonNull(commitId, "commitId");
        files = Map.copyOf(files);
        notFiles = Map.copyOf(notFiles);
        Objects.requireNonNull(stamp, "stamp");
    }

    public RepoSnapshot(String commitId, Map<String, RepoFile> files, Map<String, NotFile> notFiles) {
        this(commitId, files, notFiles, Optional.empty());
    }

    public RepoSnapshot(String commitId, Map<String, RepoFile> files) {
        this(commitId, files, Map.of());
    }

    public Optional<RepoFile> file(String path) {
        return Optional.ofNullable(files.get(path));
    }
}
