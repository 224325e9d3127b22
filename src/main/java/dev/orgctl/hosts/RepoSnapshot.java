package dev.orgctl.hosts;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Files read at one commit: only those that exist and were selected. */
public record RepoSnapshot(String commitId, Map<String, RepoFile> files) {
    public RepoSnapshot {
        Objects.requireNonNull(commitId, "commitId");
        files = Map.copyOf(files);
    }

    public Optional<RepoFile> file(String path) {
        return Optional.ofNullable(files.get(path));
    }
}
