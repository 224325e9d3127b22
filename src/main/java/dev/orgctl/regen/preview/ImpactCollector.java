package dev.orgctl.regen.preview;

import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.regen.TemplateError;
import dev.orgctl.regen.TemplateException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Folds repositories' impacts into one {@link Impact}: identical diffs into one group, identical
 * problems into one entry with the repositories they stop, counts summed. What is held grows with
 * the distinct diffs and problems, not with the repositories' files.
 */
final class ImpactCollector {
    /** A problem's identity: the same template error seen by many repositories. */
    private record Key(String file, int line, String message) {
    }

    private final String templatesPrefix;
    private final Map<String, List<String>> groups = new LinkedHashMap<>();
    private final Map<String, ImpactCounts> groupCounts = new LinkedHashMap<>();
    private final Map<Key, Set<String>> problems = new LinkedHashMap<>();
    private final Map<String, ImpactCounts> perSet = new TreeMap<>();
    private ImpactCounts total = ImpactCounts.NONE;

    ImpactCollector(String templatesRepo) {
        this.templatesPrefix = templatesRepo + ":";
    }

    void add(RepositoryInfo repo, RepoImpact r) {
        if (!r.failure().isEmpty()) {
            problems.computeIfAbsent(new Key("", 0, r.failure()), k -> new TreeSet<>()).add(repo.name());
            return;
        }
        for (TemplateError e : r.errors()) {
            problems.computeIfAbsent(key(e.file(), e.line(), e.detail()), k -> new TreeSet<>()).add(repo.name());
        }
        ImpactCounts mine = r.total();
        total = total.plus(mine);
        r.perSet().forEach((set, c) -> perSet.merge(set, c, ImpactCounts::plus));
        if (!r.diff().isEmpty()) {
            groups.computeIfAbsent(r.diff(), k -> new ArrayList<>()).add(repo.name());
            groupCounts.merge(r.diff(), mine, ImpactCounts::plus);
        }
    }

    /** A broken {@code orgctl.yaml} (or a template the whole snapshot fails on): stops every repository. */
    void configProblem(TemplateException e) {
        problems.computeIfAbsent(key(e.file(), e.line().orElse(0), e.detail()), k -> new TreeSet<>());
    }

    Impact impact(String headRef, String headSha, Optional<String> baseSha) {
        List<ImpactGroup> out = new ArrayList<>();
        groups.forEach((diff, names) -> out.add(new ImpactGroup(diff, names, groupCounts.get(diff))));
        out.sort(Comparator.comparingInt((ImpactGroup g) -> g.repositories().size()).reversed()); // stable: ties keep order
        List<ImpactProblem> list = new ArrayList<>();
        problems.forEach((k, names) -> list.add(new ImpactProblem(k.file(), k.line(), k.message(), List.copyOf(names))));
        return new Impact(headRef, headSha, baseSha, total, perSet, out, list);
    }

    /**
     * The file as a path inside the templates repository, so that a check run can annotate it:
     * {@code acme/.github:templates/ci/ci.yml} becomes {@code templates/ci/ci.yml}; a file name
     * template's suffix moves into the message.
     */
    private Key key(String file, int line, String message) {
        String path = file.startsWith(templatesPrefix) ? file.substring(templatesPrefix.length()) : file;
        String suffix = " (file name)";
        if (path.endsWith(suffix)) {
            return new Key(path.substring(0, path.length() - suffix.length()), line, "in the file name: " + message);
        }
        return new Key(path, line, message);
    }
}
