package dev.orgctl.regen.preview;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The organization-wide effect of the templates at one revision: what merging it would do to every
 * repository, grouped so that a person can review it in a minute. Built by {@link ImpactPlanner};
 * rendered by {@link ImpactText} (CLI, git backend) and by the GitHub check run.
 *
 * @param headRef  the ref asked for (branch, tag or commit)
 * @param headSha  the commit it resolved to
 * @param baseSha  with a base: the commit compared against (outputs at base vs at head); empty: the
 *                 repositories' current files
 * @param total    over every repository planned
 * @param perSet   per template set, sorted by name
 * @param groups   distinct diffs, largest group first
 * @param problems render and config errors, each once
 */
public record Impact(String headRef, String headSha, Optional<String> baseSha, ImpactCounts total,
                     Map<String, ImpactCounts> perSet, List<ImpactGroup> groups, List<ImpactProblem> problems) {
    public Impact {
        perSet = Collections.unmodifiableMap(new TreeMap<>(perSet));
        groups = List.copyOf(groups);
        problems = List.copyOf(problems);
    }

    /** FAILURE if anything fails to render, NEUTRAL if nothing changes, SUCCESS otherwise. */
    public Conclusion conclusion() {
        if (!problems.isEmpty()) {
            return Conclusion.FAILURE;
        }
        return total.changes() ? Conclusion.SUCCESS : Conclusion.NEUTRAL;
    }
}
