package dev.orgctl.controller.preview;

import dev.orgctl.hosts.github.CheckOutput;
import dev.orgctl.hosts.github.GitHubChecks;
import dev.orgctl.regen.preview.Impact;
import dev.orgctl.regen.preview.ImpactCounts;
import dev.orgctl.regen.preview.ImpactGroup;
import dev.orgctl.regen.preview.ImpactProblem;
import dev.orgctl.regen.preview.ImpactText;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An {@link Impact} as the {@code orgctl / impact} check run shows it: a title; a summary with the
 * counts, per set, and every problem with its file and line; details with the distinct diffs, the
 * largest group first ("the same change in 287 repositories"); an annotation on each failing
 * template line. Everything fits GitHub's caps ({@link CheckOutput}): what does not fit is cut
 * with a line that says so and names the command that prints it all ({@code orgctl regen plan}).
 */
public final class ImpactCheck {
    /** At most this many failing lines are annotated (each 50 costs one more update request). */
    public static final int MAX_ANNOTATIONS = 500;
    /** Repository names listed under a group or a problem before "and N more". */
    static final int NAMES_SHOWN = 20;
    /** Room kept at the end of a cut field for the line that says it was cut. */
    private static final int CUT_NOTE_ROOM = 400;

    private ImpactCheck() {
    }

    /** The command that prints the full result, for the lines that say something was cut. */
    public static String fullCommand(Impact impact) {
        return "orgctl regen plan --ref " + impact.headSha() + impact.baseSha().map(b -> " --base " + b).orElse("");
    }

    public static GitHubChecks.Conclusion conclusion(Impact impact) {
        return switch (impact.conclusion()) {
            case SUCCESS -> GitHubChecks.Conclusion.SUCCESS;
            case FAILURE -> GitHubChecks.Conclusion.FAILURE;
            case NEUTRAL -> GitHubChecks.Conclusion.NEUTRAL;
        };
    }

    public static CheckOutput render(Impact impact) {
        return new CheckOutput(title(impact), summary(impact), details(impact), annotations(impact));
    }

    static String title(Impact impact) {
        if (!impact.problems().isEmpty()) {
            int n = impact.problems().size();
            return n + (n == 1 ? " template problem" : " template problems") + ": merging would fail to render";
        }
        int n = impact.total().repositories();
        return n == 0 ? "No repository would change" : n + (n == 1 ? " repository" : " repositories") + " would change";
    }

    static String summary(Impact impact) {
        StringBuilder s = new StringBuilder();
        s.append("Templates at `").append(impact.headSha()).append('`')
                .append(impact.baseSha().map(b -> " compared with `" + b + "`").orElse(" compared with the repositories' "
                        + "current files")).append(".\n\n");
        s.append("| | repositories | created | updated | deleted | kept |\n|---|---:|---:|---:|---:|---:|\n");
        row(s, "**all sets**", impact.total());
        for (Map.Entry<String, ImpactCounts> e : impact.perSet().entrySet()) {
            row(s, "`" + cell(e.getKey()) + "`", e.getValue());
        }
        String footer = "\nFull result: `" + fullCommand(impact) + "`\n";
        if (!impact.problems().isEmpty()) {
            s.append("\n### Problems\n\n");
            Cutter cut = new Cutter(s, CheckOutput.MAX_MARKDOWN - CheckOutput.size(footer));
            for (int i = 0; i < impact.problems().size(); i++) {
                ImpactProblem p = impact.problems().get(i);
                String line = "- " + (p.location().isEmpty() ? "" : "`" + p.location() + "`: ") + oneLine(p.message())
                        + stops(p) + "\n";
                if (!cut.add(line)) {
                    cut.note("- … and " + (impact.problems().size() - i) + " more problems, not shown here\n");
                    break;
                }
            }
        }
        s.append(footer);
        return CheckOutput.fit(s.toString(), CheckOutput.MAX_MARKDOWN, "\n…\n");
    }

    static Optional<String> details(Impact impact) {
        if (impact.groups().isEmpty()) {
            return Optional.empty();
        }
        StringBuilder t = new StringBuilder();
        int distinct = impact.groups().size();
        t.append(distinct == 1 ? "One distinct change.\n" : distinct + " distinct changes, the most common first.\n");
        Cutter cut = new Cutter(t, CheckOutput.MAX_MARKDOWN);
        for (int i = 0; i < distinct; i++) {
            ImpactGroup g = impact.groups().get(i);
            int n = g.repositories().size();
            String head = "\n### " + (n == 1 ? "In 1 repository" : "The same change in " + n + " repositories") + "\n\n"
                    + names(g.repositories()) + "\n\n";
            String fence = ImpactText.fence(g.diff());
            String open = fence + "diff\n";
            String close = (g.diff().endsWith("\n") ? "" : "\n") + fence + "\n";
            String whole = head + open + g.diff() + close;
            if (cut.add(whole)) {
                continue;
            }
            // The group does not fit whole: show as much of its diff as fits, then say what is missing.
            int room = cut.room() - CheckOutput.size(head + open + close) - CUT_NOTE_ROOM;
            if (room > 200) {
                cut.add(head + open + CheckOutput.fit(g.diff(), room, "\n… (diff cut here)\n") + close);
                i++;
            }
            int left = distinct - i;
            int repos = impact.groups().subList(i, distinct).stream().mapToInt(x -> x.repositories().size()).sum();
            cut.note("\n" + (left > 0 ? "… " + left + " more distinct " + (left == 1 ? "change" : "changes") + " in "
                    + repos + " repositories, not shown here (GitHub caps this text at 65535 characters)."
                    : "… the rest of this diff is not shown here (GitHub caps this text at 65535 characters).")
                    + " The full result: `" + fullCommand(impact) + "`\n");
            break;
        }
        return Optional.of(t.toString());
    }

    static List<CheckOutput.Annotation> annotations(Impact impact) {
        List<CheckOutput.Annotation> out = new ArrayList<>();
        for (ImpactProblem p : impact.problems()) {
            if (p.file().isEmpty() || out.size() == MAX_ANNOTATIONS) {
                continue;
            }
            int line = Math.max(1, p.line());
            String message = CheckOutput.fit(p.message() + (p.line() > 0 ? "" : " (line unknown)") + stops(p),
                    CheckOutput.MAX_ANNOTATION_MESSAGE, "…");
            out.add(new CheckOutput.Annotation(p.file(), line, line, CheckOutput.Level.FAILURE, message,
                    Optional.of("orgctl: this template would fail to render")));
        }
        return out;
    }

    private static void row(StringBuilder s, String name, ImpactCounts c) {
        s.append("| ").append(name).append(" | ").append(c.repositories()).append(" | ").append(c.created())
                .append(" | ").append(c.updated()).append(" | ").append(c.deleted()).append(" | ").append(c.kept())
                .append(" |\n");
    }

    private static String stops(ImpactProblem p) {
        if (p.repositories().isEmpty()) {
            return " (stops every repository)";
        }
        int n = p.repositories().size();
        return " (in " + n + (n == 1 ? " repository: " : " repositories: ") + names(p.repositories()) + ")";
    }

    private static String names(List<String> repos) {
        List<String> shown = repos.subList(0, Math.min(NAMES_SHOWN, repos.size()));
        String list = String.join(", ", shown.stream().map(r -> "`" + r + "`").toList());
        return repos.size() > shown.size() ? list + " and " + (repos.size() - shown.size()) + " more" : list;
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }

    private static String cell(String s) {
        return s.replace("|", "\\|");
    }

    /** Appends to a text while it stays within a byte budget, keeping room for the note that ends a cut. */
    private static final class Cutter {
        private final StringBuilder out;
        private final int max;

        Cutter(StringBuilder out, int max) {
            this.out = out;
            this.max = max;
        }

        int room() {
            return max - CheckOutput.size(out.toString());
        }

        boolean add(String part) {
            if (CheckOutput.size(part) > room() - CUT_NOTE_ROOM) {
                return false;
            }
            out.append(part);
            return true;
        }

        void note(String text) {
            out.append(CheckOutput.fit(text, Math.max(0, room()), ""));
        }
    }
}
