package dev.orgctl.regen;

import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryInfo;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The templates repository at one revision, parsed and compiled once: {@code orgctl.yaml} and
 * every template under {@code templates/<set>/}. Rendering for a repository reuses the compiled
 * templates, so a run over 1,000 repositories parses each template once. Immutable and
 * thread-safe.
 */
public final class TemplateSnapshot {
    /** The templates repository's name in every organization. */
    public static final String TEMPLATES_REPO = ".github";
    /** The directory holding the template sets. */
    public static final String TEMPLATES_DIR = "templates";

    /**
     * One compiled template file. {@code path} is null for fixed paths; {@code body} null for binary
     * files and symlinks (copied as they are, in their mode).
     */
    public record TemplateFile(String set, String source, String relativePath, Template path, Template body,
                               byte[] binary, RepoFile.Mode mode, RegenConfig.FileSettings settings) {
    }

    private final RepoRef templatesRepo;
    private final String revision;
    private final RegenConfig config;
    private final Map<String, List<TemplateFile>> sets;

    private TemplateSnapshot(RepoRef templatesRepo, String revision, RegenConfig config,
                             Map<String, List<TemplateFile>> sets) {
        this.templatesRepo = templatesRepo;
        this.revision = revision;
        this.config = config;
        this.sets = sets;
    }

    /** What the loader reads from the templates repository: {@code orgctl.yaml} and {@code templates/}. */
    public static FileSelection selection() {
        return FileSelection.of(List.of(RegenConfig.FILE), List.of(TEMPLATES_DIR));
    }

    /**
     * Parses and compiles the templates repository's files at {@code revision}.
     *
     * @throws TemplateException for a broken {@code orgctl.yaml} or template, naming file and line
     */
    public static TemplateSnapshot compile(RepoRef templatesRepo, String revision, Map<String, RepoFile> files) {
        String where = templatesRepo.fullName() + ":";
        RepoFile yaml = files.get(RegenConfig.FILE);
        RegenConfig config = yaml == null ? RegenConfig.defaults()
                : RegenConfig.parse(where + RegenConfig.FILE, yaml.content());
        Map<String, List<TemplateFile>> sets = new TreeMap<>();
        for (Map.Entry<String, RepoFile> e : new TreeMap<>(files).entrySet()) {
            String path = e.getKey();
            if (!path.startsWith(TEMPLATES_DIR + "/")) {
                continue;
            }
            String rest = path.substring(TEMPLATES_DIR.length() + 1);
            int slash = rest.indexOf('/');
            if (slash < 0) {
                continue; // a file directly in templates/ (a README for template authors) belongs to no set
            }
            String set = rest.substring(0, slash);
            String rel = rest.substring(slash + 1);
            RegenConfig.FileSettings settings = config.fileSettings(set, rel);
            Template pathTemplate = rel.contains("<%") ? Template.parse(where + path + " (file name)", rel) : null;
            byte[] bytes = e.getValue().content();
            boolean symlink = e.getValue().symlink();
            String text = symlink ? null : utf8(bytes);
            Template body = null;
            byte[] binary = null;
            if (text == null) {
                binary = bytes;
                if (settings.policy() == Policy.MANAGED_BLOCK) {
                    throw new TemplateException(where + path, 0, (symlink ? "a symlink" : "a binary file")
                            + " cannot be a managed block");
                }
            } else {
                body = Template.parse(where + path, text);
            }
            if (pathTemplate == null) {
                checkTarget(where + path, rel, settings);
            }
            sets.computeIfAbsent(set, k -> new ArrayList<>()).add(new TemplateFile(set, path, rel, pathTemplate,
                    body, binary, e.getValue().mode(), settings));
        }
        for (RegenConfig.SetConfig declared : config.declaredSets().values()) {
            if (!sets.containsKey(declared.name())) {
                throw new TemplateException(where + RegenConfig.FILE, declared.line(), "sets." + declared.name()
                        + ": no templates under " + TEMPLATES_DIR + "/" + declared.name() + "/");
            }
        }
        Map<String, List<TemplateFile>> frozen = new LinkedHashMap<>();
        sets.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        return new TemplateSnapshot(templatesRepo, revision, config, frozen);
    }

    private static void checkTarget(String source, String target, RegenConfig.FileSettings settings) {
        try {
            FileSelection.checkPath(target);
        } catch (IllegalArgumentException e) {
            throw new TemplateException(source, 0, "cannot be written to '" + target + "': " + e.getMessage());
        }
        if (target.equals(OwnershipManifest.PATH)) {
            throw new TemplateException(source, 0, OwnershipManifest.PATH + " is orgctl's ownership manifest and "
                    + "cannot be a template");
        }
        if (settings.policy() == Policy.MANAGED_BLOCK && !CommentStyle.forPath(target).hasComments()) {
            throw new TemplateException(source, 0, "managed-block needs a file format with comments for its "
                    + "markers; '" + target + "' has none (use overwrite or create-only)");
        }
    }

    private static String utf8(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return null;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    public RepoRef templatesRepo() {
        return templatesRepo;
    }

    /** The templates repository's commit these templates come from. */
    public String revision() {
        return revision;
    }

    public RegenConfig config() {
        return config;
    }

    /** The template sets, by name, with their files. */
    public Map<String, List<TemplateFile>> sets() {
        return sets;
    }

    /** Whether orgctl may regenerate the repository at all: not archived, not the templates repository. */
    public boolean isCandidate(RepositoryInfo repo) {
        return !repo.archived() && !repo.ref().equals(templatesRepo);
    }

    /** The sets that apply to a repository (none for archived repositories and the templates repository). */
    public List<String> setsFor(RepositoryInfo repo) {
        List<String> out = new ArrayList<>();
        if (!isCandidate(repo)) {
            return out;
        }
        Set<String> groups = config.groupsOf(repo);
        for (String set : sets.keySet()) {
            if (config.set(set).targets().matches(repo, groups)) {
                out.add(set);
            }
        }
        return out;
    }

    /** The repositories at least one set applies to. */
    public List<RepositoryInfo> targets(Collection<RepositoryInfo> repos) {
        List<RepositoryInfo> out = new ArrayList<>();
        for (RepositoryInfo r : repos) {
            if (!setsFor(r).isEmpty()) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * The repositories a change from {@code before} to this snapshot can affect: targets of
     * either (a repository that stops being a target must be regenerated to delete its files).
     */
    public List<RepositoryInfo> affected(TemplateSnapshot before, Collection<RepositoryInfo> repos) {
        List<RepositoryInfo> out = new ArrayList<>();
        for (RepositoryInfo r : repos) {
            if (!setsFor(r).isEmpty() || (before != null && !before.setsFor(r).isEmpty())) {
                out.add(r);
            }
        }
        return out;
    }

    /** The mode for a repository (direct or pull-request). */
    public CommitMode modeFor(RepositoryInfo repo) {
        return config.modeFor(repo);
    }

    /**
     * Renders every template that applies to the repository. A template whose tags render to
     * nothing but whitespace produces no file (how a template makes a file conditional); a template
     * that is empty or only whitespace to begin with ({@code .nojekyll}, {@code py.typed}) is a file
     * like any other.
     *
     * @throws TemplateException on unknown variables, or when two templates write the same path
     */
    public List<RenderedFile> render(RepositoryInfo repo) {
        List<RenderedFile> out = new ArrayList<>();
        Map<String, String> sources = new HashMap<>();
        for (String set : setsFor(repo)) {
            Map<String, Object> values = TemplateValues.of(repo, templatesRepo.fullName(),
                    config.variablesFor(set, repo));
            for (TemplateFile t : sets.get(set)) {
                String path = t.relativePath();
                if (t.path() != null) {
                    path = t.path().render(values);
                    checkTarget(templatesRepo.fullName() + ":" + t.source(), path, t.settings());
                }
                RenderedFile f;
                if (t.body() == null) {
                    f = new RenderedFile(path, set, t.source(), t.settings(), t.mode(), null, t.binary());
                } else {
                    String text = t.body().render(values);
                    if (text.isBlank() && !t.body().isPlain()) {
                        continue; // a template that renders to nothing makes no file; an empty one (.nojekyll) does
                    }
                    f = new RenderedFile(path, set, t.source(), t.settings(), t.mode(), text, null);
                }
                String previous = sources.putIfAbsent(path, t.source());
                if (previous != null) {
                    throw new TemplateException(templatesRepo.fullName() + ":" + t.source(), 0, "renders to '" + path
                            + "' for " + repo.fullName() + ", as does " + previous + ": one file, one template");
                }
                out.add(f);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "TemplateSnapshot[" + templatesRepo + "@" + Headers.shortRev(revision) + ", sets=" + sets.keySet() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TemplateSnapshot t && t.templatesRepo.equals(templatesRepo) && t.revision.equals(revision);
    }

    @Override
    public int hashCode() {
        return Objects.hash(templatesRepo, revision);
    }
}
