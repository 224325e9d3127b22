package dev.orgctl.regen;

import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans one repository's regeneration at its current head: renders the templates that apply to
 * it, reads the files they write plus the ownership manifest in one host call (and the stale
 * owned files, if any, in a second), and decides per file by its ownership and drift policies.
 * Content is compared with the revision in orgctl's headers blanked, so a template push that
 * renders the same content plans nothing. The planner writes nothing.
 */
public final class RegenPlanner {
    private static final Logger log = LoggerFactory.getLogger(RegenPlanner.class);

    private final RepositoryHost host;

    public RegenPlanner(RepositoryHost host) {
        this.host = host;
    }

    /**
     * The plan for {@code repo} at the head of its default branch. A set whose templates cannot
     * be rendered for this repository is left out ({@link RepoPlan#errors()}); the others are planned.
     */
    public RepoPlan plan(TemplateSnapshot templates, RepositoryInfo repo) {
        String branch = repo.defaultBranch();
        if (!templates.isCandidate(repo)) {
            String why = repo.archived() ? "archived" : "the templates repository";
            return new RepoPlan(repo, branch, Optional.empty(), templates.templatesRepo().fullName(),
                    templates.revision(), templates.modeFor(repo), List.of(), Optional.empty(), List.of(),
                    Optional.of(why), List.of());
        }
        List<TemplateError> misnamed = ConfigTypos.blocking(host, templates, repo);
        if (!misnamed.isEmpty()) { // its settings are probably under a misspelt name: write nothing, read nothing
            return new RepoPlan(repo, branch, Optional.empty(), templates.templatesRepo().fullName(),
                    templates.revision(), templates.modeFor(repo), List.of(), Optional.empty(), List.of(),
                    Optional.empty(), misnamed);
        }
        TemplateSnapshot.Rendering rendering = templates.renderAll(repo);
        List<RenderedFile> rendered = rendering.files();
        Set<String> failedSets = rendering.failedSets();
        Set<String> paths = new TreeSet<>();
        rendered.forEach(f -> paths.add(f.path()));
        Set<String> read = new TreeSet<>(paths);
        read.add(OwnershipManifest.PATH);
        Optional<RepoSnapshot> snap = host.readBranch(repo.ref(), branch, FileSelection.paths(read));
        Map<String, RepoFile> current = new HashMap<>(snap.map(RepoSnapshot::files).orElse(Map.of()));
        Optional<String> base = snap.map(RepoSnapshot::commitId);

        List<String> warnings = new ArrayList<>();
        String templatesRepo = templates.templatesRepo().fullName();
        OwnershipManifest manifest = OwnershipManifest.empty(templatesRepo);
        Map<String, OwnershipManifest.Entry> entries = new TreeMap<>();
        RepoFile manifestFile = current.get(OwnershipManifest.PATH);
        if (manifestFile != null) {
            try {
                manifest = OwnershipManifest.parse(manifestFile.content());
            } catch (IOException e) {
                warnings.add(OwnershipManifest.PATH + " is not a valid ownership manifest (" + e.getMessage()
                        + "): it is rewritten, and no stale file is deleted this time");
                log.atWarn().addKeyValue("repo", repo.fullName()).addKeyValue("error", e.getMessage())
                        .log("ownership manifest unreadable");
            }
        }
        Set<String> stale = new LinkedHashSet<>(manifest.files().keySet());
        stale.removeAll(paths);
        // A set that failed for this repository rendered nothing: its files are not stale, they stay as they are.
        for (String path : List.copyOf(stale)) {
            OwnershipManifest.Entry entry = manifest.entry(path).orElseThrow();
            if (failedSets.contains(entry.set())) {
                entries.put(path, entry);
                stale.remove(path);
            }
        }
        if (!stale.isEmpty() && base.isPresent()) {
            current.putAll(host.readCommit(repo.ref(), base.get(), FileSelection.paths(stale)).files());
        }

        String header = Headers.text(templatesRepo, templates.revision());
        List<FilePlan> plans = new ArrayList<>();
        for (RenderedFile f : rendered) {
            RepoFile cur = current.get(f.path());
            OwnershipManifest.Entry entry = manifest.entry(f.path()).orElse(null);
            Decision d;
            switch (f.settings().policy()) {
                case OVERWRITE:
                    d = overwrite(f, cur, entry, header);
                    break;
                case CREATE_ONLY:
                    d = createOnly(f, cur, entry);
                    break;
                case MANAGED_BLOCK:
                default:
                    d = managedBlock(f, cur, entry, header);
                    break;
            }
            plans.add(d.plan());
            if (d.entry() != null) {
                entries.put(f.path(), d.entry());
            }
        }
        for (String path : stale) {
            OwnershipManifest.Entry entry = manifest.entry(path).orElseThrow();
            Decision d = stale(path, current.get(path), entry, templates.config().driftForSet(entry.set()));
            if (d.plan() != null) {
                plans.add(d.plan());
            }
            if (d.entry() != null) {
                entries.put(path, d.entry());
            }
        }

        OwnershipManifest next = new OwnershipManifest(templatesRepo, entries);
        Optional<FilePlan> manifestPlan = manifestPlan(manifestFile, next);
        return new RepoPlan(repo, branch, base, templatesRepo, templates.revision(), templates.modeFor(repo), plans,
                manifestPlan, warnings, Optional.empty(), rendering.errors());
    }

    /** A file's plan and its manifest entry afterwards (null: no entry). */
    private record Decision(FilePlan plan, OwnershipManifest.Entry entry) {
    }

    private static Decision overwrite(RenderedFile f, RepoFile cur, OwnershipManifest.Entry entry, String header) {
        byte[] desired = f.isBinary() ? f.binary() : (f.settings().header()
                ? Headers.apply(f.text(), CommentStyle.forPath(f.path()), header) : f.text())
                .getBytes(StandardCharsets.UTF_8);
        String desiredHash = hash(desired, !f.isBinary());
        OwnershipManifest.Entry written = new OwnershipManifest.Entry(Policy.OVERWRITE, f.set(),
                Optional.of(desiredHash));
        boolean owned = entry != null && entry.policy() == Policy.OVERWRITE;
        DriftPolicy drift = f.settings().drift();
        if (cur == null) {
            if (owned) {
                if (drift == DriftPolicy.REPORT) {
                    return new Decision(plan(f, FileAction.DRIFT_REPORTED, true, "deleted by someone; drift: report",
                            null, desired), entry);
                }
                return new Decision(plan(f, FileAction.CREATE, true, "deleted by someone; restored", null, desired),
                        written);
            }
            return new Decision(plan(f, FileAction.CREATE, false, "", null, desired), written);
        }
        String currentHash = hash(cur.content(), !f.isBinary());
        if (currentHash.equals(desiredHash) && cur.executable() == f.executable()) {
            return new Decision(plan(f, FileAction.UNCHANGED, false, "", cur.content(), null), written);
        }
        boolean drifted = owned && entry.sha256().isPresent() && !entry.sha256().get().equals(currentHash);
        if (drifted && drift == DriftPolicy.REPORT) {
            return new Decision(plan(f, FileAction.DRIFT_REPORTED, true, "changed by someone; drift: report",
                    cur.content(), desired), entry);
        }
        String note = drifted ? "changed by someone; repaired" : owned ? "" : "existing file taken over";
        return new Decision(plan(f, FileAction.UPDATE, drifted, note, cur.content(), desired), written);
    }

    private static Decision createOnly(RenderedFile f, RepoFile cur, OwnershipManifest.Entry entry) {
        OwnershipManifest.Entry written = new OwnershipManifest.Entry(Policy.CREATE_ONLY, f.set(), Optional.empty());
        if (cur == null) {
            if (entry != null && entry.policy() == Policy.CREATE_ONLY) {
                return new Decision(plan(f, FileAction.UNCHANGED, false,
                        "deleted after it was created; create-only files are not re-created", null, null), written);
            }
            return new Decision(plan(f, FileAction.CREATE, false, "", null, f.bytes()), written);
        }
        return new Decision(plan(f, FileAction.UNCHANGED, false, "", cur.content(), null), written);
    }

    private static Decision managedBlock(RenderedFile f, RepoFile cur, OwnershipManifest.Entry entry, String header) {
        CommentStyle style = CommentStyle.forPath(f.path());
        boolean owned = entry != null && entry.policy() == Policy.MANAGED_BLOCK;
        DriftPolicy drift = f.settings().drift();
        try {
            if (cur == null) {
                byte[] desired = ManagedBlock.apply(null, f.text(), style, header).getBytes(StandardCharsets.UTF_8);
                OwnershipManifest.Entry written = blockEntry(f, ManagedBlock.contentAsWritten(f.text(), "\n"));
                if (owned && drift == DriftPolicy.REPORT) {
                    return new Decision(plan(f, FileAction.DRIFT_REPORTED, true, "deleted by someone; drift: report",
                            null, desired), entry);
                }
                return new Decision(plan(f, FileAction.CREATE, owned, owned ? "deleted by someone; restored" : "",
                        null, desired), written);
            }
            if (isBinary(cur.content())) {
                return new Decision(plan(f, FileAction.DRIFT_REPORTED, true, "not a text file: orgctl cannot put "
                        + "a managed block in it", cur.content(), null), entry);
            }
            String text = new String(cur.content(), StandardCharsets.UTF_8);
            String nl = text.contains("\r\n") ? "\r\n" : "\n";
            String wanted = ManagedBlock.contentAsWritten(f.text(), nl);
            OwnershipManifest.Entry written = blockEntry(f, wanted);
            Optional<ManagedBlock.Location> loc = ManagedBlock.find(text);
            if (loc.isPresent() && loc.get().content().equals(wanted)) {
                return new Decision(plan(f, FileAction.UNCHANGED, false, "", cur.content(), null), written);
            }
            boolean drifted = owned && (loc.isEmpty() || (entry.sha256().isPresent()
                    && !entry.sha256().get().equals(OwnershipManifest.hash(loc.get().content()))));
            byte[] desired = ManagedBlock.apply(text, f.text(), style, header).getBytes(StandardCharsets.UTF_8);
            if (drifted && drift == DriftPolicy.REPORT) {
                return new Decision(plan(f, FileAction.DRIFT_REPORTED, true, (loc.isEmpty() ? "block removed"
                        : "block changed") + " by someone; drift: report", cur.content(), desired), entry);
            }
            String note = drifted ? (loc.isEmpty() ? "block removed by someone; restored"
                    : "block changed by someone; repaired") : loc.isEmpty() ? "block added at the end" : "";
            return new Decision(plan(f, FileAction.UPDATE, drifted, note, cur.content(), desired), written);
        } catch (ManagedBlock.MalformedException e) {
            return new Decision(plan(f, FileAction.DRIFT_REPORTED, true, "managed block markers broken: "
                    + e.getMessage() + "; fix them by hand", cur == null ? null : cur.content(), null), entry);
        }
    }

    private static OwnershipManifest.Entry blockEntry(RenderedFile f, String contentAsWritten) {
        return new OwnershipManifest.Entry(Policy.MANAGED_BLOCK, f.set(),
                Optional.of(OwnershipManifest.hash(contentAsWritten)));
    }

    /** A file the manifest lists but no template renders any more. */
    private static Decision stale(String path, RepoFile cur, OwnershipManifest.Entry entry, DriftPolicy drift) {
        if (cur == null || entry.policy() == Policy.CREATE_ONLY) {
            return new Decision(null, null); // gone already, or the repository's own: forget it
        }
        if (entry.policy() == Policy.OVERWRITE) {
            boolean drifted = entry.sha256().isPresent()
                    && !entry.sha256().get().equals(hash(cur.content(), true));
            if (drifted && drift == DriftPolicy.REPORT) {
                return new Decision(new FilePlan(path, FileAction.DRIFT_REPORTED, entry.policy(), entry.set(), "",
                        true, "no longer generated, but changed by someone: not deleted (drift: report)",
                        cur.content(), null, cur.executable()), entry);
            }
            return new Decision(new FilePlan(path, FileAction.DELETE, entry.policy(), entry.set(), "", drifted,
                    "no longer generated", cur.content(), null, cur.executable()), null);
        }
        String text = new String(cur.content(), StandardCharsets.UTF_8);
        try {
            Optional<ManagedBlock.Location> loc = ManagedBlock.find(text);
            if (loc.isEmpty()) {
                return new Decision(null, null);
            }
            boolean drifted = entry.sha256().isPresent()
                    && !entry.sha256().get().equals(OwnershipManifest.hash(loc.get().content()));
            if (drifted && drift == DriftPolicy.REPORT) {
                return new Decision(new FilePlan(path, FileAction.DRIFT_REPORTED, entry.policy(), entry.set(), "",
                        true, "block no longer generated, but changed by someone: kept (drift: report)",
                        cur.content(), null, cur.executable()), entry);
            }
            String rest = ManagedBlock.remove(text);
            if (rest.isBlank()) {
                return new Decision(new FilePlan(path, FileAction.DELETE, entry.policy(), entry.set(), "", drifted,
                        "block no longer generated and nothing else in the file", cur.content(), null,
                        cur.executable()), null);
            }
            return new Decision(new FilePlan(path, FileAction.UPDATE, entry.policy(), entry.set(), "", drifted,
                    "block no longer generated: removed", cur.content(), rest.getBytes(StandardCharsets.UTF_8),
                    cur.executable()), null);
        } catch (ManagedBlock.MalformedException e) {
            return new Decision(new FilePlan(path, FileAction.DRIFT_REPORTED, entry.policy(), entry.set(), "", true,
                    "managed block markers broken: " + e.getMessage() + "; fix them by hand", cur.content(), null,
                    cur.executable()), entry);
        }
    }

    private static Optional<FilePlan> manifestPlan(RepoFile current, OwnershipManifest next) {
        if (next.isEmpty()) {
            if (current == null) {
                return Optional.empty();
            }
            return Optional.of(new FilePlan(OwnershipManifest.PATH, FileAction.DELETE, Policy.OVERWRITE, "", "", false,
                    "orgctl owns no file here any more", current.content(), null, false));
        }
        byte[] bytes = next.serialize();
        if (current == null) {
            return Optional.of(new FilePlan(OwnershipManifest.PATH, FileAction.CREATE, Policy.OVERWRITE, "", "", false,
                    "ownership manifest", null, bytes, false));
        }
        if (java.util.Arrays.equals(current.content(), bytes)) {
            return Optional.of(new FilePlan(OwnershipManifest.PATH, FileAction.UNCHANGED, Policy.OVERWRITE, "", "",
                    false, "ownership manifest", current.content(), null, false));
        }
        return Optional.of(new FilePlan(OwnershipManifest.PATH, FileAction.UPDATE, Policy.OVERWRITE, "", "", false,
                "ownership manifest", current.content(), bytes, false));
    }

    private static FilePlan plan(RenderedFile f, FileAction action, boolean drift, String note, byte[] before,
                                 byte[] after) {
        return new FilePlan(f.path(), action, f.settings().policy(), f.set(), f.source(), drift, note, before, after,
                f.executable());
    }

    private static boolean isBinary(byte[] content) {
        for (byte b : content) {
            if (b == 0) {
                return true;
            }
        }
        return false;
    }

    private static String hash(byte[] content, boolean text) {
        return text ? OwnershipManifest.hash(new String(content, StandardCharsets.UTF_8))
                : OwnershipManifest.hash(content);
    }
}
