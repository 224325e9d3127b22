package dev.orgctl.regen;

import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoSnapshot;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Directory/file conflicts: a template writes {@code sub/nested.yml} where the repository has a
 * file {@code sub}, or writes {@code docs} where it has a directory. git cannot hold both, so the
 * planner reads the parent paths along with the files and refuses such a file (the rest of the
 * repository's files are still written).
 */
final class PathConflicts {
    private PathConflicts() {
    }

    /** Every parent directory of the paths: read them too, to see a file standing where one must be. */
    static Set<String> parents(Collection<String> paths) {
        Set<String> out = new TreeSet<>();
        for (String p : paths) {
            for (int slash = p.indexOf('/'); slash > 0; slash = p.indexOf('/', slash + 1)) {
                out.add(p.substring(0, slash));
            }
        }
        return out;
    }

    /**
     * Why a file cannot be written at {@code path}, given what was read; empty when it can. A file
     * the same plan deletes ({@code deleted}: orgctl's own, no longer generated) is no obstacle.
     */
    static Optional<String> obstacle(String path, Map<String, RepoFile> files,
                                     Map<String, RepoSnapshot.NotFile> others, Set<String> deleted) {
        for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
            String parent = path.substring(0, slash);
            RepoFile f = files.get(parent);
            if (f != null && !deleted.contains(parent)) {
                return Optional.of("'" + parent + "' is " + (f.symlink() ? "a symlink" : "a file")
                        + " in the repository, so nothing can be written under it");
            }
            if (others.get(parent) == RepoSnapshot.NotFile.SUBMODULE) {
                return Optional.of("'" + parent + "' is a submodule in the repository");
            }
        }
        RepoSnapshot.NotFile other = others.get(path);
        if (other != null) {
            return Optional.of("'" + path + "' is " + other.description() + " in the repository");
        }
        return Optional.empty();
    }
}
