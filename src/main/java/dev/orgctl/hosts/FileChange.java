package dev.orgctl.hosts;

import java.util.Objects;

/** One change of a commit: a file written (created or replaced) or deleted. */
public sealed interface FileChange permits FileChange.Put, FileChange.Delete {
    String path();

    record Put(String path, RepoFile file) implements FileChange {
        public Put {
            FileSelection.checkPath(path);
            Objects.requireNonNull(file, "file");
        }
    }

    record Delete(String path) implements FileChange {
        public Delete {
            FileSelection.checkPath(path);
        }
    }
}
