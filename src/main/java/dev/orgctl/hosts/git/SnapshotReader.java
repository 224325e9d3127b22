package dev.orgctl.hosts.git;

import dev.orgctl.hosts.CommitStamp;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoSnapshot;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilterGroup;

/** Reads a commit's selected files from the object database: no working tree, no checkout. */
final class SnapshotReader {
    private SnapshotReader() {
    }

    static RepoSnapshot read(Repository r, ObjectId commitId, FileSelection selection) throws IOException {
        Map<String, RepoFile> files = new HashMap<>();
        Map<String, RepoSnapshot.NotFile> notFiles = new HashMap<>();
        try (ObjectReader reader = r.newObjectReader(); RevWalk rw = new RevWalk(reader)) {
            RevCommit commit = rw.parseCommit(commitId);
            if (!selection.isEmpty()) {
                try (TreeWalk tw = new TreeWalk(reader)) {
                    tw.addTree(commit.getTree());
                    tw.setRecursive(true);
                    tw.setFilter(PathFilterGroup.createFromStrings(selection.all()));
                    while (tw.next()) {
                        String path = tw.getPathString();
                        FileMode mode = tw.getFileMode(0);
                        if (!selection.matches(path)) {
                            directoryAt(selection, path)
                                    .ifPresent(d -> notFiles.put(d, RepoSnapshot.NotFile.DIRECTORY));
                            continue;
                        }
                        Optional<RepoFile.Mode> kind = fileMode(mode);
                        if (kind.isEmpty()) {
                            if (selection.paths().contains(path)) {
                                notFiles.put(path, RepoSnapshot.NotFile.SUBMODULE);
                            }
                            continue;
                        }
                        byte[] bytes = reader.open(tw.getObjectId(0), Constants.OBJ_BLOB).getBytes();
                        files.put(path, new RepoFile(bytes, kind.get()));
                    }
                }
            }
            return new RepoSnapshot(commit.name(), files, notFiles, Optional.of(new CommitStamp(commit.getFullMessage(),
                    commit.getCommitterIdent().getWhenAsInstant())));
        }
    }

    /** The selected exact path that {@code path} lies under (so that path is a directory), if any. */
    private static Optional<String> directoryAt(FileSelection selection, String path) {
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            String dir = path.substring(0, slash);
            if (selection.paths().contains(dir)) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    /** The file kind of a git mode; empty for what is not a file (a submodule). */
    private static Optional<RepoFile.Mode> fileMode(FileMode mode) {
        if (mode == FileMode.REGULAR_FILE) {
            return Optional.of(RepoFile.Mode.REGULAR);
        }
        if (mode == FileMode.EXECUTABLE_FILE) {
            return Optional.of(RepoFile.Mode.EXECUTABLE);
        }
        if (mode == FileMode.SYMLINK) {
            return Optional.of(RepoFile.Mode.SYMLINK);
        }
        return Optional.empty();
    }
}
