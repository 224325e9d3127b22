package dev.orgctl.regen;

import dev.orgctl.hosts.RepoFile;
import dev.orgctl.regen.FileDecisions.Decision;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Files the ownership manifest lists that no template renders any more: deleted (or their block
 * removed) only while they hold what orgctl last wrote. What someone changed since, or what the
 * manifest has no hash for, is kept and reported, unless the file's drift policy is
 * {@code discard}.
 */
final class StaleFiles {
    private StaleFiles() {
    }

    /**
     * The decision for a file the manifest lists but no template renders any more, by that file's
     * own resolved settings (its template is gone; its {@code files} rule, set and defaults are not).
     */
    static Decision decide(String path, RepoFile cur, OwnershipManifest.Entry entry,
                                         RegenConfig.FileSettings settings) {
        if (cur == null || entry.policy() == Policy.CREATE_ONLY) {
            return new Decision(null, null); // gone already, or the repository's own: forget it
        }
        boolean discard = settings.drift() == DriftPolicy.DISCARD;
        if (entry.policy() == Policy.OVERWRITE) {
            boolean ours = entry.sha256().isPresent() && (!cur.symlink() || entry.writtenMode() == RepoFile.Mode.SYMLINK)
                    && (entry.sha256().get().equals(OwnershipManifest.hashNormalized(cur.content()))
                    || entry.sha256().get().equals(OwnershipManifest.hash(cur.content())));
            if (ours) {
                return new Decision(stalePlan(path, FileAction.DELETE, entry, false, "no longer generated", cur, null),
                        null);
            }
            if (discard) {
                return new Decision(stalePlan(path, FileAction.DELETE, entry, true, "no longer generated; changed by "
                        + "someone; deleted anyway (drift: discard)", cur, null), null);
            }
            return new Decision(stalePlan(path, FileAction.DRIFT_REPORTED, entry, true, "no longer generated; kept: "
                    + keptBecause(entry, settings), cur, null), entry);
        }
        if (cur.symlink() || ByteText.hasNul(cur.content())) {
            return new Decision(null, null); // no block can be in it any more: the file is the repository's
        }
        String text = ByteText.of(cur.content());
        try {
            Optional<ManagedBlock.Location> loc = ManagedBlock.find(text);
            if (loc.isEmpty()) {
                return new Decision(null, null);
            }
            boolean ours = entry.sha256().isPresent()
                    && entry.sha256().get().equals(OwnershipManifest.hashByteText(loc.get().content()));
            if (!ours && !discard) {
                return new Decision(stalePlan(path, FileAction.DRIFT_REPORTED, entry, true, "block no longer "
                        + "generated; kept: " + keptBecause(entry, settings), cur, null), entry);
            }
            String gone = ours ? "" : "; changed by someone; removed anyway (drift: discard)";
            String rest = ManagedBlock.remove(text);
            if (rest.isBlank()) {
                return new Decision(stalePlan(path, FileAction.DELETE, entry, !ours,
                        "block no longer generated and nothing else in the file" + gone, cur, null), null);
            }
            return new Decision(stalePlan(path, FileAction.UPDATE, entry, !ours, "block no longer generated: removed"
                    + gone, cur, ByteText.bytes(rest)), null);
        } catch (ManagedBlock.MalformedException e) {
            return new Decision(stalePlan(path, FileAction.DRIFT_REPORTED, entry, true, "managed block markers broken: "
                    + e.getMessage() + "; fix them by hand", cur, null), entry);
        }
    }

    /** The stale paths this plan deletes: they make room (a file {@code sub} goes, {@code sub/x} may come). */
    static Set<String> deletions(Collection<String> stale, Map<String, RepoFile> current, OwnershipManifest manifest,
                                 RegenConfig config) {
        Set<String> out = new HashSet<>();
        for (String path : stale) {
            OwnershipManifest.Entry entry = manifest.entry(path).orElseThrow();
            Decision d = decide(path, current.get(path), entry, config.fileSettings(entry.set(), path));
            if (d.plan() != null && d.plan().action() == FileAction.DELETE) {
                out.add(path);
            }
        }
        return out;
    }

    private static String keptBecause(OwnershipManifest.Entry entry, RegenConfig.FileSettings settings) {
        String why = entry.sha256().isEmpty() ? "the manifest has no record of what orgctl wrote"
                : "changed by someone";
        return why + (settings.drift() == DriftPolicy.REPORT ? " (drift: report)"
                : " (drift: discard would delete it)");
    }

    private static FilePlan stalePlan(String path, FileAction action, OwnershipManifest.Entry entry, boolean drift,
                                      String note, RepoFile cur, byte[] after) {
        return new FilePlan(path, action, entry.policy(), entry.set(), "", drift, note, cur.content(), after,
                cur.mode(), cur.mode());
    }

}
