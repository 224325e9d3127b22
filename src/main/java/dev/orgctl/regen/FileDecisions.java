package dev.orgctl.regen;

import dev.orgctl.hosts.RepoFile;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The planner's decision for one file, by its ownership and drift policies, and the rules that
 * keep a person's bytes safe: outside a managed block every byte stays as it is whatever the
 * encoding; a file orgctl cannot write safely is refused (reported, left alone) rather than
 * rewritten. Files no longer generated are {@link StaleFiles}.
 */
final class FileDecisions {
    private FileDecisions() {
    }

    /** A file's plan and its manifest entry afterwards (null: no entry). A null plan: nothing to say. */
    record Decision(FilePlan plan, OwnershipManifest.Entry entry) {
    }

    /**
     * The decision for a rendered file. {@code obstacle} is why the path cannot hold a file (a file
     * at a parent path, a directory at the path), from {@link PathConflicts}.
     */
    static Decision rendered(RenderedFile f, RepoFile cur, Optional<String> obstacle, OwnershipManifest.Entry entry,
                             String header) {
        if (obstacle.isPresent()) {
            return new Decision(plan(f, FileAction.REFUSED, false, "cannot be written: " + obstacle.get(), null, null,
                    null), entry);
        }
        switch (f.settings().policy()) {
            case OVERWRITE:
                return overwrite(f, cur, entry, header);
            case CREATE_ONLY:
                return createOnly(f, cur, entry);
            case MANAGED_BLOCK:
            default:
                return managedBlock(f, cur, entry, header);
        }
    }

    private static Decision overwrite(RenderedFile f, RepoFile cur, OwnershipManifest.Entry entry, String header) {
        String noHeader = "";
        byte[] desired;
        if (f.isBinary()) {
            desired = f.binary();
        } else if (f.settings().header()) {
            Headers.Placed placed = Headers.place(f.path(), f.text(), CommentStyle.forPath(f.path()), header);
            desired = placed.text().getBytes(StandardCharsets.UTF_8);
            noHeader = placed.noHeader().orElse("");
        } else {
            desired = f.text().getBytes(StandardCharsets.UTF_8);
        }
        String desiredHash = hash(desired, !f.isBinary());
        OwnershipManifest.Entry written = new OwnershipManifest.Entry(Policy.OVERWRITE, f.set(),
                Optional.of(desiredHash), f.mode() == RepoFile.Mode.REGULAR ? Optional.empty() : Optional.of(f.mode()));
        boolean owned = entry != null && entry.policy() == Policy.OVERWRITE;
        DriftPolicy drift = f.settings().drift();
        if (cur == null) {
            if (owned) {
                if (drift == DriftPolicy.REPORT) {
                    return new Decision(plan(f, FileAction.DRIFT_REPORTED, true, "deleted by someone; drift: report",
                            null, desired, null), entry);
                }
                return new Decision(plan(f, FileAction.CREATE, true, join("deleted by someone; restored", noHeader),
                        null, desired, null), written);
            }
            return new Decision(plan(f, FileAction.CREATE, false, noHeader, null, desired, null), written);
        }
        String currentHash = hash(cur.content(), !f.isBinary());
        boolean sameContent = currentHash.equals(desiredHash) && cur.symlink() == (f.mode() == RepoFile.Mode.SYMLINK);
        if (sameContent && cur.mode() == f.mode()) {
            return new Decision(plan(f, FileAction.UNCHANGED, false, "", cur.content(), null, cur.mode()), written);
        }
        if (sameContent) {
            return modeOnly(f, cur, entry, owned, written);
        }
        boolean drifted = owned && entry.sha256().isPresent() && !entry.sha256().get().equals(currentHash);
        if (drifted && drift == DriftPolicy.REPORT) {
            return new Decision(plan(f, FileAction.DRIFT_REPORTED, true, "changed by someone; drift: report",
                    cur.content(), desired, cur.mode()), entry);
        }
        String what = cur.symlink() && f.mode() != RepoFile.Mode.SYMLINK ? "existing symlink taken over: replaced "
                + "by a file" : "existing file taken over";
        String note = drifted ? "changed by someone; repaired" : owned ? "" : what;
        return new Decision(plan(f, FileAction.UPDATE, drifted, join(note, noHeader), cur.content(), desired,
                cur.mode()), written);
    }

    /**
     * Only the mode differs: someone ran {@code chmod} (the mode is not the one the manifest says
     * orgctl wrote: drift, repaired or reported by the file's policy), or the template's mode
     * changed. The bytes stay as they are, header revision included, so that the diff is the mode
     * change and nothing else.
     */
    private static Decision modeOnly(RenderedFile f, RepoFile cur, OwnershipManifest.Entry entry, boolean owned,
                                     OwnershipManifest.Entry written) {
        String change = "mode " + cur.mode().git() + " -> " + f.mode().git();
        boolean drifted = owned && cur.mode() != entry.writtenMode();
        if (drifted && f.settings().drift() == DriftPolicy.REPORT) {
            return new Decision(plan(f, FileAction.DRIFT_REPORTED, true, "mode changed by someone (" + change
                    + " would restore it); drift: report", cur.content(), cur.content(), cur.mode()), entry);
        }
        String note = drifted ? "mode changed by someone; repaired (" + change + ")"
                : change + " (the template's mode)";
        return new Decision(plan(f, FileAction.UPDATE, drifted, note, cur.content(), cur.content(), cur.mode()),
                written);
    }

    private static Decision createOnly(RenderedFile f, RepoFile cur, OwnershipManifest.Entry entry) {
        OwnershipManifest.Entry written = new OwnershipManifest.Entry(Policy.CREATE_ONLY, f.set(), Optional.empty());
        if (cur == null) {
            if (entry != null && entry.policy() == Policy.CREATE_ONLY) {
                return new Decision(plan(f, FileAction.UNCHANGED, false,
                        "deleted after it was created; create-only files are not re-created", null, null, null),
                        written);
            }
            return new Decision(plan(f, FileAction.CREATE, false, "", null, f.bytes(), null), written);
        }
        return new Decision(plan(f, FileAction.UNCHANGED, false, "", cur.content(), null, cur.mode()), written);
    }

    /**
     * A managed block. The file is handled as bytes ({@link ByteText}): the text around the block is
     * never decoded, so a Latin-1 file keeps its bytes. A file whose encoding is not UTF-8 only gets
     * a block of ASCII text; anything else would mix two encodings in one file, so it is refused.
     */
    private static Decision managedBlock(RenderedFile f, RepoFile cur, OwnershipManifest.Entry entry, String header) {
        CommentStyle style = CommentStyle.forPath(f.path());
        boolean owned = entry != null && entry.policy() == Policy.MANAGED_BLOCK;
        DriftPolicy drift = f.settings().drift();
        String content = ByteText.ofUtf8(f.text());
        try {
            if (cur == null) {
                String nl = LineEndings.of(content);
                byte[] desired = ByteText.bytes(ManagedBlock.apply(null, content, style, header));
                OwnershipManifest.Entry written = blockEntry(f, ManagedBlock.contentAsWritten(content, nl));
                if (owned && drift == DriftPolicy.REPORT) {
                    return new Decision(plan(f, FileAction.DRIFT_REPORTED, true, "deleted by someone; drift: report",
                            null, desired, null), entry);
                }
                return new Decision(plan(f, FileAction.CREATE, owned, owned ? "deleted by someone; restored" : "",
                        null, desired, null), written);
            }
            if (cur.symlink()) {
                return refused(f, cur, entry, "it is a symlink: orgctl does not put a managed block through a link");
            }
            if (ByteText.hasNul(cur.content())) {
                return refused(f, cur, entry, "not a text file orgctl can edit (it holds NUL bytes: binary, or "
                        + "UTF-16): no managed block put in it");
            }
            String text = ByteText.of(cur.content());
            String nl = LineEndings.of(text);
            String wanted = ManagedBlock.contentAsWritten(content, nl);
            OwnershipManifest.Entry written = blockEntry(f, wanted);
            Optional<ManagedBlock.Location> loc = ManagedBlock.find(text);
            if (loc.isPresent() && loc.get().content().equals(wanted)) {
                return new Decision(plan(f, FileAction.UNCHANGED, false, "", cur.content(), null, cur.mode()), written);
            }
            if (!ByteText.isUtf8(cur.content()) && !ByteText.isAscii(wanted)) {
                return refused(f, cur, entry, "the file is not UTF-8 (Latin-1 or another encoding) and the block's "
                        + "text is not ASCII: orgctl will not mix two encodings in one file; convert the file to "
                        + "UTF-8 or keep the block ASCII");
            }
            boolean drifted = owned && (loc.isEmpty() || (entry.sha256().isPresent()
                    && !entry.sha256().get().equals(OwnershipManifest.hashByteText(loc.get().content()))));
            byte[] desired = ByteText.bytes(ManagedBlock.apply(text, content, style, header));
            if (drifted && drift == DriftPolicy.REPORT) {
                return new Decision(plan(f, FileAction.DRIFT_REPORTED, true, (loc.isEmpty() ? "block removed"
                        : "block changed") + " by someone; drift: report", cur.content(), desired, cur.mode()), entry);
            }
            String note = drifted ? (loc.isEmpty() ? "block removed by someone; restored"
                    : "block changed by someone; repaired") : loc.isEmpty() ? "block added at the end" : "";
            return new Decision(plan(f, FileAction.UPDATE, drifted, note, cur.content(), desired, cur.mode()), written);
        } catch (ManagedBlock.MalformedException e) {
            return new Decision(plan(f, FileAction.DRIFT_REPORTED, true, "managed block markers broken: "
                    + e.getMessage() + "; fix them by hand", cur == null ? null : cur.content(), null,
                    cur == null ? null : cur.mode()), entry);
        }
    }

    private static Decision refused(RenderedFile f, RepoFile cur, OwnershipManifest.Entry entry, String why) {
        return new Decision(plan(f, FileAction.REFUSED, false, why, cur.content(), null, cur.mode()), entry);
    }

    private static OwnershipManifest.Entry blockEntry(RenderedFile f, String contentAsWritten) {
        return new OwnershipManifest.Entry(Policy.MANAGED_BLOCK, f.set(),
                Optional.of(OwnershipManifest.hashByteText(contentAsWritten)));
    }

    /**
     * The manifest's own plan: what it becomes, from what it is ({@code current} null: none yet).
     * A manifest written before modes were recorded is kept as it is when nothing else changes
     * ({@code filesChange} false): no repository gets a commit only to add modes to its manifest.
     */
    static Optional<FilePlan> manifest(RepoFile current, OwnershipManifest next, boolean filesChange) {
        RepoFile.Mode mode = RepoFile.Mode.REGULAR;
        RepoFile.Mode was = current == null ? null : current.mode();
        if (next.isEmpty()) {
            if (current == null) {
                return Optional.empty();
            }
            return Optional.of(new FilePlan(OwnershipManifest.PATH, FileAction.DELETE, Policy.OVERWRITE, "", "", false,
                    "orgctl owns no file here any more", current.content(), null, mode, was));
        }
        byte[] bytes = next.serialize();
        if (current == null) {
            return Optional.of(new FilePlan(OwnershipManifest.PATH, FileAction.CREATE, Policy.OVERWRITE, "", "", false,
                    "ownership manifest", null, bytes, mode, null));
        }
        boolean same = Arrays.equals(current.content(), bytes)
                || (!filesChange && Arrays.equals(current.content(), next.withoutModes().serialize()));
        if (same && current.mode() == mode) {
            return Optional.of(new FilePlan(OwnershipManifest.PATH, FileAction.UNCHANGED, Policy.OVERWRITE, "", "",
                    false, "ownership manifest", current.content(), null, mode, was));
        }
        return Optional.of(new FilePlan(OwnershipManifest.PATH, FileAction.UPDATE, Policy.OVERWRITE, "", "", false,
                "ownership manifest", current.content(), bytes, mode, was));
    }

    private static FilePlan plan(RenderedFile f, FileAction action, boolean drift, String note, byte[] before,
                                 byte[] after, RepoFile.Mode beforeMode) {
        return new FilePlan(f.path(), action, f.settings().policy(), f.set(), f.source(), drift, note, before, after,
                f.mode(), beforeMode);
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + "; " + b;
    }

    /** Text content is compared normalized (header revisions blanked), byte for byte; binary as it is. */
    private static String hash(byte[] content, boolean text) {
        return text ? OwnershipManifest.hashNormalized(content) : OwnershipManifest.hash(content);
    }
}
