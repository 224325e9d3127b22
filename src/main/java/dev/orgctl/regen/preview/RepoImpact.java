package dev.orgctl.regen.preview;

import dev.orgctl.hosts.RepoFile;
import dev.orgctl.regen.FilePlan;
import dev.orgctl.regen.Headers;
import dev.orgctl.regen.OwnershipManifest;
import dev.orgctl.regen.RepoPlan;
import dev.orgctl.regen.TemplateError;
import dev.orgctl.regen.UnifiedDiff;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One repository's part of an impact: the generated files as they would be after merging the
 * head, compared with how they would be after the base (or, without a base, how they are now).
 * Both sides are read off {@link RepoPlan}s, so the planning logic stays in one place: a file a
 * plan writes ends as the plan's content, one it deletes ends absent, and one it leaves alone
 * (unchanged, drift kept, refused) or does not mention ends as the repository has it. Existing
 * drift therefore shows only when the head treats it differently from the base.
 *
 * <p>orgctl's header revision is blanked on both sides before comparing and diffing: a file that
 * differs only by the revision that last wrote it is kept, and the same change reads the same in
 * every repository.
 *
 * @param diff   the unified diffs of the changing files, one after the other ("" when none)
 * @param perSet counts per template set, {@code repositories} 1 where the set changes something
 * @param errors  the head's template errors for this repository (its failed sets are not compared)
 * @param failure why the repository could not be planned at all (a host failure), "" when it was
 */
record RepoImpact(String diff, Map<String, ImpactCounts> perSet, List<TemplateError> errors, String failure) {
    RepoImpact {
        perSet = Map.copyOf(perSet);
        errors = List.copyOf(errors);
    }

    static RepoImpact failed(String why) {
        return new RepoImpact("", Map.of(), List.of(), why);
    }

    /** A file's content and mode at the end of one side; absent files are null. */
    @SuppressWarnings("ArrayRecordComponent") // compared with Arrays.equals below
    private record State(byte[] bytes, RepoFile.Mode mode) {
        static State after(FilePlan f) {
            return switch (f.action()) {
                case CREATE, UPDATE -> new State(f.after(), f.mode());
                case DELETE -> null;
                default -> now(f);
            };
        }

        static State now(FilePlan f) {
            return f.before() == null ? null : new State(f.before(), f.beforeMode());
        }

        boolean same(State o) {
            return mode == o.mode && Arrays.equals(bytes, o.bytes);
        }
    }

    static RepoImpact between(Optional<RepoPlan> base, RepoPlan head) {
        Map<String, FilePlan> before = byPath(base.map(RepoPlan::files).orElse(List.of()));
        Map<String, FilePlan> after = byPath(head.files());
        Set<String> failed = new TreeSet<>();
        head.errors().forEach(e -> failed.add(e.set()));
        Set<String> paths = new TreeSet<>(before.keySet());
        paths.addAll(after.keySet());
        StringBuilder diff = new StringBuilder();
        Map<String, int[]> counts = new TreeMap<>(); // per set: created, updated, deleted, kept
        for (String path : paths) {
            FilePlan b = before.get(path);
            FilePlan h = after.get(path);
            String set = h != null ? h.set() : b.set();
            if (failed.contains(set) || (b != null && failed.contains(b.set()))) {
                continue; // the head does not render this set here: a problem, not a change
            }
            State s0 = normalized(b != null ? State.after(b) : State.now(h));
            State s1 = normalized(h != null ? State.after(h) : State.now(b));
            if (s0 == null && s1 == null) {
                continue;
            }
            int[] c = counts.computeIfAbsent(set, k -> new int[4]);
            if (s0 == null) {
                c[0]++;
            } else if (s1 == null) {
                c[2]++;
            } else if (s0.same(s1)) {
                c[3]++;
                continue;
            } else {
                c[1]++;
            }
            diff.append(UnifiedDiff.of(path, s0 == null ? null : s0.bytes(), s0 == null ? null : s0.mode(),
                    s1 == null ? null : s1.bytes(), s1 == null ? null : s1.mode()));
        }
        Map<String, ImpactCounts> perSet = new TreeMap<>();
        counts.forEach((set, c) -> perSet.put(set, new ImpactCounts(c[0] + c[1] + c[2] > 0 ? 1 : 0, c[0], c[1], c[2],
                c[3])));
        return new RepoImpact(diff.toString(), perSet, head.errors(), "");
    }

    /** The repository's counts over all sets ({@code repositories} 1 when anything changes). */
    ImpactCounts total() {
        ImpactCounts sum = ImpactCounts.NONE;
        for (ImpactCounts c : perSet.values()) {
            sum = sum.plus(c);
        }
        return new ImpactCounts(sum.changes() ? 1 : 0, sum.created(), sum.updated(), sum.deleted(), sum.kept());
    }

    private static Map<String, FilePlan> byPath(List<FilePlan> files) {
        Map<String, FilePlan> out = new HashMap<>();
        for (FilePlan f : files) {
            if (!f.path().equals(OwnershipManifest.PATH)) { // bookkeeping, hashes differ per repository
                out.put(f.path(), f);
            }
        }
        return out;
    }

    /** The header revision blanked; Latin-1 keeps every byte, and the header is ASCII. */
    private static State normalized(State s) {
        if (s == null || s.bytes() == null) {
            return s;
        }
        String text = new String(s.bytes(), StandardCharsets.ISO_8859_1);
        return new State(Headers.normalize(text).getBytes(StandardCharsets.ISO_8859_1), s.mode());
    }
}
