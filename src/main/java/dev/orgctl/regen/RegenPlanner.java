package dev.orgctl.regen;

import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import java.io.IOException;
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
                    Optional.of(why), List.of(), Optional.empty());
        }
        List<TemplateError> misnamed = ConfigTypos.blocking(host, templates, repo);
        if (!misnamed.isEmpty()) { // its settings are probably under a misspelt name: write nothing, read nothing
            return new RepoPlan(repo, branch, Optional.empty(), templates.templatesRepo().fullName(),
                    templates.revision(), templates.modeFor(repo), List.of(), Optional.empty(), List.of(),
                    Optional.empty(), misnamed, Optional.empty());
        }
        TemplateSnapshot.Rendering rendering = templates.renderAll(repo);
        List<RenderedFile> rendered = rendering.files();
        Set<String> failedSets = rendering.failedSets();
        Set<String> paths = new TreeSet<>();
        rendered.forEach(f -> paths.add(f.path()));
        Set<String> read = new TreeSet<>(paths);
        read.add(OwnershipManifest.PATH);
        read.addAll(PathConflicts.parents(paths));
        Optional<RepoSnapshot> snap = host.readBranch(repo.ref(), branch, FileSelection.paths(read));
        Map<String, RepoFile> current = new HashMap<>(snap.map(RepoSnapshot::files).orElse(Map.of()));
        Map<String, RepoSnapshot.NotFile> notFiles = snap.map(RepoSnapshot::notFiles).orElse(Map.of());
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
        Set<String> deleted = StaleFiles.deletions(stale, current, manifest, templates.config());
        for (RenderedFile f : rendered) {
            RepoFile cur = current.get(f.path());
            OwnershipManifest.Entry entry = manifest.entry(f.path()).orElse(null);
            FileDecisions.Decision d = FileDecisions.rendered(f, cur,
                    PathConflicts.obstacle(f.path(), current, notFiles, deleted), entry, header);
            plans.add(d.plan());
            if (d.entry() != null) {
                entries.put(f.path(), d.entry());
            }
        }
        for (String path : stale) {
            OwnershipManifest.Entry entry = manifest.entry(path).orElseThrow();
            FileDecisions.Decision d = StaleFiles.decide(path, current.get(path), entry,
                    templates.config().fileSettings(entry.set(), path));
            if (d.plan() != null) {
                plans.add(d.plan());
            }
            if (d.entry() != null) {
                entries.put(path, d.entry());
            }
        }

        OwnershipManifest next = new OwnershipManifest(templatesRepo, entries);
        Optional<FilePlan> manifestPlan = FileDecisions.manifest(manifestFile, next,
                plans.stream().anyMatch(p -> p.action().changes()));
        return new RepoPlan(repo, branch, base, templatesRepo, templates.revision(), templates.modeFor(repo), plans,
                manifestPlan, warnings, Optional.empty(), rendering.errors(), snap.flatMap(RepoSnapshot::stamp));
    }
}
