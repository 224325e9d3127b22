package dev.orgctl.regen.preview;

import dev.orgctl.regen.Headers;
import java.util.List;
import java.util.StringJoiner;

/**
 * An {@link Impact} as Markdown that also reads as plain text in a terminal: the verdict and
 * counts first, then the problems with file and line, the counts per set, and each distinct diff
 * once under the repositories it applies to, largest group first. Diffs stop at a character
 * budget (the rest are counted, never cut mid-diff), so a report fits where it is stored.
 */
public final class ImpactText {
    /** Repository names listed under a group or problem; the rest are counted. */
    static final int NAMES_SHOWN = 20;

    private ImpactText() {
    }

    /** The whole report, diffs up to {@code diffBudget} characters. */
    public static String markdown(Impact impact, int diffBudget) {
        StringBuilder sb = new StringBuilder();
        sb.append("## orgctl impact: ").append(impact.conclusion().name().toLowerCase(java.util.Locale.ROOT))
                .append("\n\n");
        sb.append("Templates at `").append(impact.headRef()).append("` (").append(Headers.shortRev(impact.headSha()))
                .append(")").append(impact.baseSha().map(b -> ", compared with the templates at " + Headers.shortRev(b))
                        .orElse(", compared with the repositories as they are")).append(".\n\n");
        sb.append(summary(impact)).append("\n");
        if (!impact.problems().isEmpty()) {
            sb.append("\n### ").append(plural(impact.problems().size(), "problem", "problems"))
                    .append(" (a set that fails is not applied where it fails)\n\n");
            for (ImpactProblem p : impact.problems()) {
                String where = p.location().isEmpty() ? "" : "`" + p.location() + "`: ";
                sb.append("- ").append(where).append(p.message()).append(" — ")
                        .append(p.repositories().isEmpty() ? "every repository" : names(p.repositories())).append("\n");
            }
        }
        if (!impact.perSet().isEmpty()) {
            sb.append("\n| set | repositories changed | created | updated | deleted | kept |\n")
                    .append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
            impact.perSet().forEach((set, c) -> sb.append("| ").append(set).append(" | ").append(c.repositories())
                    .append(" | ").append(c.created()).append(" | ").append(c.updated()).append(" | ")
                    .append(c.deleted()).append(" | ").append(c.kept()).append(" |\n"));
        }
        appendGroups(sb, impact.groups(), diffBudget);
        return sb.toString();
    }

    /** One line: {@code 287 repositories would change: 0 created, 287 updated, 0 deleted, 1722 kept}. */
    public static String summary(Impact impact) {
        ImpactCounts t = impact.total();
        String head = t.repositories() == 0 ? "No repository would change"
                : plural(t.repositories(), "repository", "repositories") + " would change";
        return head + ": " + counts(t) + "; " + plural(impact.groups().size(), "distinct change", "distinct changes")
                + ", " + plural(impact.problems().size(), "problem", "problems") + ".";
    }

    static String counts(ImpactCounts c) {
        return c.created() + " created, " + c.updated() + " updated, " + c.deleted() + " deleted, " + c.kept() + " kept";
    }

    private static void appendGroups(StringBuilder sb, List<ImpactGroup> groups, int budget) {
        int used = 0;
        int shown = 0;
        for (ImpactGroup g : groups) {
            if (shown > 0 && used + g.diff().length() > budget) {
                break;
            }
            used += g.diff().length();
            shown++;
            int n = g.repositories().size();
            sb.append("\n### ").append(n > 1 ? "The same change in " : "Change in ").append(names(g.repositories()))
                    .append("\n\n").append(counts(g.counts())).append("\n\n");
            String fence = fence(g.diff());
            sb.append(fence).append("diff\n").append(g.diff());
            if (!g.diff().endsWith("\n")) {
                sb.append('\n');
            }
            sb.append(fence).append("\n");
        }
        if (shown < groups.size()) {
            int repos = 0;
            for (ImpactGroup g : groups.subList(shown, groups.size())) {
                repos += g.repositories().size();
            }
            sb.append("\n").append(plural(groups.size() - shown, "more distinct change", "more distinct changes"))
                    .append(" in ").append(plural(repos, "repository", "repositories"))
                    .append(" not shown (over the report's size limit): `orgctl regen plan --ref REF` prints them all.\n");
        }
    }

    /**
     * A code fence longer than any run of backticks in the diff, so the diff cannot close it (the
     * GitHub check run's details use it too).
     */
    public static String fence(String diff) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < diff.length(); i++) {
            run = diff.charAt(i) == '`' ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return "`".repeat(Math.max(3, longest + 1));
    }

    /** {@code 3 repositories: api, web, worker}, names past {@link #NAMES_SHOWN} counted. */
    static String names(List<String> names) {
        StringJoiner j = new StringJoiner(", ");
        names.stream().limit(NAMES_SHOWN).forEach(j::add);
        String more = names.size() > NAMES_SHOWN ? ", … (" + (names.size() - NAMES_SHOWN) + " more)" : "";
        return plural(names.size(), "repository", "repositories") + ": " + j + more;
    }

    private static String plural(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
