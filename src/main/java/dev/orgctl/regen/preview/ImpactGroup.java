package dev.orgctl.regen.preview;

import java.util.List;

/**
 * One distinct change and the repositories it applies to: "the same change in 287 repositories".
 *
 * @param diff         the unified diff of the repository's generated files, the same bytes for every
 *                     repository of the group; orgctl's header revisions are blanked ({@code @*}) so that
 *                     files written at different template revisions still group
 * @param repositories repository names ({@code name}, not {@code org/name}) in the order planned
 * @param counts       summed over the group's repositories ({@code repositories} = their number)
 */
public record ImpactGroup(String diff, List<String> repositories, ImpactCounts counts) {
    public ImpactGroup {
        repositories = List.copyOf(repositories);
    }
}
