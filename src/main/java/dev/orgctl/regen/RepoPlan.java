package dev.orgctl.regen;

import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.RepositoryInfo;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * One repository's regeneration plan at one head: per file what changes and why, and the
 * ownership manifest's own change. An empty plan ({@link #hasChanges()} false) means no commit.
 *
 * @param repo          the repository
 * @param branch        the branch planned against (the default branch)
 * @param baseCommit    the head the plan was made from (empty: the branch has no commit yet)
 * @param templatesRepo the templates repository ({@code org/.github})
 * @param templateRev   the templates' revision
 * @param mode          direct or pull-request
 * @param files         template files and stale owned files
 * @param manifest      the ownership manifest's change, when it changes
 * @param warnings      things a person should know (an unreadable manifest...)
 * @param skipped       why the repository is not regenerated at all (archived, the templates repository)
 * @param errors        template errors: each failed set is left out of the plan (its files neither written
 *                      nor deleted) while the other sets' changes stand
 * @param baseStamp     the message and time of {@code baseCommit}, when the read gave them (its
 *                      {@code Orgctl-Fence} is compared with the run's own before committing)
 */
public record RepoPlan(RepositoryInfo repo, String branch, Optional<String> baseCommit, String templatesRepo,
                       String templateRev, CommitMode mode, List<FilePlan> files, Optional<FilePlan> manifest,
                       List<String> warnings, Optional<String> skipped, List<TemplateError> errors,
                       Optional<dev.orgctl.hosts.CommitStamp> baseStamp) {
    public RepoPlan {
        files = List.copyOf(files);
        warnings = List.copyOf(warnings);
        errors = List.copyOf(errors);
    }

    /** Whether a template error left a set out for this repository. */
    public boolean failed() {
        return !errors.isEmpty();
    }

    /** Whether anything would be written: no diff, no commit. */
    public boolean hasChanges() {
        return files.stream().anyMatch(f -> f.action().changes())
                || manifest.map(m -> m.action().changes()).orElse(false);
    }

    /** The changes of the one commit, manifest included. */
    public List<FileChange> changes() {
        List<FileChange> out = new ArrayList<>();
        for (FilePlan f : files) {
            f.change().ifPresent(out::add);
        }
        manifest.flatMap(FilePlan::change).ifPresent(out::add);
        return out;
    }

    /** Files someone changed (repaired or reported). */
    public List<FilePlan> drifted() {
        List<FilePlan> out = new ArrayList<>();
        for (FilePlan f : files) {
            if (f.drift() || f.action() == FileAction.DRIFT_REPORTED) {
                out.add(f);
            }
        }
        return out;
    }

    /** Files orgctl could not write safely: left as they are, each with its reason. */
    public List<FilePlan> refused() {
        List<FilePlan> out = new ArrayList<>();
        for (FilePlan f : files) {
            if (f.action() == FileAction.REFUSED) {
                out.add(f);
            }
        }
        return out;
    }

    /** Every file plan, the manifest last. */
    public List<FilePlan> allFiles() {
        List<FilePlan> out = new ArrayList<>(files);
        manifest.ifPresent(out::add);
        return out;
    }

    /**
     * Counts per action, e.g. {@code 1 create, 2 update, 1 drift-reported}, then template errors
     * ({@code 1 error}); "no change" when empty.
     */
    public String summary() {
        return summary(false);
    }

    /**
     * One line per repository for a run over an organization: {@link #summary()} and, with
     * {@code kept}, how many generated files were already right ({@code 2 update, 498 kept}).
     */
    public String summary(boolean kept) {
        if (skipped.isPresent()) {
            return "skipped: " + skipped.get();
        }
        Map<FileAction, Integer> counts = new EnumMap<>(FileAction.class);
        int unchanged = 0;
        for (FilePlan f : allFiles()) {
            if (f.action() != FileAction.UNCHANGED) {
                counts.merge(f.action(), 1, Integer::sum);
            } else if (!f.path().equals(OwnershipManifest.PATH)) {
                unchanged++;
            }
        }
        StringJoiner j = new StringJoiner(", ");
        counts.forEach((a, n) -> j.add(n + " " + a.label()));
        if (!errors.isEmpty()) {
            j.add(errors.size() + (errors.size() == 1 ? " error" : " errors"));
        }
        if (j.length() == 0) {
            return kept && unchanged > 0 ? "no change (" + unchanged + " kept)" : "no change";
        }
        if (kept && unchanged > 0) {
            j.add(unchanged + " kept");
        }
        return j.toString();
    }

    /** All unified diffs, one after the other. */
    public String unifiedDiff() {
        StringBuilder sb = new StringBuilder();
        for (FilePlan f : allFiles()) {
            sb.append(f.unifiedDiff());
        }
        return sb.toString();
    }
}
