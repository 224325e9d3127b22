package dev.orgctl.hosts;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which files to read in one call: exact paths and whole subtrees. Paths are relative to the
 * repository root, with {@code /} separators and no leading slash. A path that does not exist is
 * simply absent from the answer.
 */
public record FileSelection(Set<String> paths, Set<String> subtrees) {
    public FileSelection {
        paths = Set.copyOf(new TreeSet<>(paths));
        TreeSet<String> trees = new TreeSet<>();
        for (String t : subtrees) {
            trees.add(t.endsWith("/") ? t.substring(0, t.length() - 1) : t);
        }
        subtrees = Set.copyOf(trees);
        for (String p : paths) {
            checkPath(p);
        }
        for (String p : subtrees) {
            checkPath(p);
        }
    }

    public static FileSelection paths(Collection<String> paths) {
        return new FileSelection(Set.copyOf(paths), Set.of());
    }

    public static FileSelection of(Collection<String> paths, Collection<String> subtrees) {
        return new FileSelection(Set.copyOf(paths), Set.copyOf(subtrees));
    }

    public boolean isEmpty() {
        return paths.isEmpty() && subtrees.isEmpty();
    }

    /** Whether a file at {@code path} is selected. */
    public boolean matches(String path) {
        if (paths.contains(path)) {
            return true;
        }
        for (String t : subtrees) {
            if (path.startsWith(t + "/")) {
                return true;
            }
        }
        return false;
    }

    /** Every path and subtree, sorted: handy for hosts that filter by prefix. */
    public List<String> all() {
        TreeSet<String> all = new TreeSet<>(paths);
        all.addAll(subtrees);
        return List.copyOf(all);
    }

    /** Throws when a path is not a clean relative repository path. */
    public static void checkPath(String p) {
        if (p.isEmpty() || p.startsWith("/") || p.endsWith("/") || p.contains("//") || p.contains("\\")
                || p.contains("\0")) {
            throw new IllegalArgumentException("not a clean relative repository path: '" + p + "'");
        }
        for (String seg : p.split("/")) {
            if (seg.equals(".") || seg.equals("..") || seg.equalsIgnoreCase(".git")) {
                throw new IllegalArgumentException("path segment '" + seg + "' not allowed: '" + p + "'");
            }
        }
    }
}
