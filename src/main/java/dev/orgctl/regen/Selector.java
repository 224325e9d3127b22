package dev.orgctl.regen;

import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.Visibility;
import java.util.List;
import java.util.Set;

/**
 * Which repositories a template set (or a group) applies to. Every criterion that is given must
 * hold (AND); within one criterion any listed value will do (OR); a repository matching an
 * {@code exclude} pattern never matches. A selector with no criteria matches every repository.
 *
 * @param names      name globs, e.g. {@code svc-*}
 * @param topics     any of these topics
 * @param visibility any of these visibilities
 * @param groups     member of any of these groups (only in set targets)
 * @param exclude    name globs that never match
 */
public record Selector(List<Glob> names, List<String> topics, List<Visibility> visibility, List<String> groups,
                       List<Glob> exclude) {
    public static final Selector ALL = new Selector(List.of(), List.of(), List.of(), List.of(), List.of());

    public Selector {
        names = List.copyOf(names);
        topics = List.copyOf(topics);
        visibility = List.copyOf(visibility);
        groups = List.copyOf(groups);
        exclude = List.copyOf(exclude);
    }

    public boolean matches(RepositoryInfo repo, Set<String> repoGroups) {
        for (Glob g : exclude) {
            if (g.matches(repo.name())) {
                return false;
            }
        }
        if (!names.isEmpty() && names.stream().noneMatch(g -> g.matches(repo.name()))) {
            return false;
        }
        if (!topics.isEmpty() && topics.stream().noneMatch(repo.topics()::contains)) {
            return false;
        }
        if (!visibility.isEmpty() && !visibility.contains(repo.visibility())) {
            return false;
        }
        return groups.isEmpty() || groups.stream().anyMatch(repoGroups::contains);
    }
}
