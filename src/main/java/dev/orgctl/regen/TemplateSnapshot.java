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
import java.util.TreeSet;

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
    @SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
    public record TemplateFile(String set, String source, String relativePath, Template path, Template body,
                               byte[] binary, RepoFile.Mode mode, RegenConfig.FileSettings settings) {
    }

    private final RepoRef templatesRepo;
    private final String revision;
    private final RegenConfig config;
    private final Map<String, List<TemplateFile>> sets;
    /** Sets with a template that does not compile: applied nowhere, reported for every repository they target. */
    private final Map<String, List<TemplateError>> broken;
    /** The content of {@code orgctl.yaml} and of each set's files, for {@link #fingerprint}. */
    private final String configDigest;
    private final Map<String, String> setDigests;

    private TemplateSnapshot(RepoRef templatesRepo, String revision, RegenConfig config,
                             Map<String, List<TemplateFile>> sets, Map<String, List<TemplateError>> broken,
                             String configDigest, Map<String, String> setDigests) {
        this.templatesRepo = templatesRepo;
        this.revision = revision;
        this.config = config;
        this.sets = sets;
        this.broken = broken;
        this.configDigest = configDigest;
        this.setDigests = setDigests;
    }

    /**
     * What rendering gave for one repository: the files of every set that rendered, and the
     * errors of those that did not (a failed set contributes no file at all, so its files are
     * neither written nor deleted).
     */
    public record Rendering(List<RenderedFile> files, List<TemplateError> errors) {
        public Rendering {
            files = List.copyOf(files);
            errors = List.copyOf(errors);
        }

        /** The sets that failed for this repository. */
        public Set<String> failedSets() {
            Set<String> out = new TreeSet<>();
            errors.forEach(e -> out.add(e.set()));
            return out;
        }
    }

    /** What the loader reads from the templates repository: {@code orgctl.yaml} and {@code templates/}. */
    public static FileSelection selection() {
        return FileSelection.of(List.of(RegenConfig.FILE), List.of(TEMPLATES_DIR));
    }

    /**
     * Parses and compiles the templates repository's files at {@code revision}.
     *
     * A template that does not compile breaks only its set ({@link #brokenSets()}); a broken
     * {@code orgctl.yaml} breaks everything and throws.
     *
     * @throws TemplateException for a broken {@code orgctl.yaml}, naming file and line
     */
    public static TemplateSnapshot compile(RepoRef templatesRepo, String revision, Map<String, RepoFile> files) {
        String where = templatesRepo.fullName() + ":";
        RepoFile yaml = files.get(RegenConfig.FILE);
        RegenConfig config = yaml == null ? RegenConfig.defaults()
                : RegenConfig.parse(where + RegenConfig.FILE, yaml.content());
        Map<String, List<TemplateFile>> sets = new TreeMap<>();
        Map<String, List<TemplateError>> broken = new TreeMap<>();
        Map<String, Fingerprint> digests = new TreeMap<>();
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
            List<TemplateFile> setFiles = sets.computeIfAbsent(set, k -> new ArrayList<>());
            digests.computeIfAbsent(set, k -> new Fingerprint("set")).add(rel).add(e.getValue().content())
                    .add(e.getValue().mode().name());
            try {
                setFiles.add(compileFile(where, path, set, rel, config.fileSettings(set, rel), e.getValue()));
            } catch (TemplateException ex) {
                broken.computeIfAbsent(set, k -> new ArrayList<>()).add(TemplateError.of(set, ex));
            }
        }
        for (RegenConfig.SetConfig declared : config.declaredSets().values()) {
            if (!sets.containsKey(declared.name())) {
                throw new TemplateException(where + RegenConfig.FILE, declared.line(), "sets." + declared.name()
                        + ": no templates under " + TEMPLATES_DIR + "/" + declared.name() + "/");
            }
        }
        Map<String, List<TemplateFile>> frozen = new LinkedHashMap<>();
        sets.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        Map<String, List<TemplateError>> frozenBroken = new LinkedHashMap<>();
        broken.forEach((k, v) -> frozenBroken.put(k, List.copyOf(v)));
        Map<String, String> setDigests = new TreeMap<>();
        digests.forEach((k, v) -> setDigests.put(k, v.hex()));
        String configDigest = new Fingerprint("config").add(yaml == null ? new byte[0] : yaml.content()).hex();
        return new TemplateSnapshot(templatesRepo, revision, config, frozen, frozenBroken, configDigest,
                Map.copyOf(setDigests));
    }

    private static TemplateFile compileFile(String where, String path, String set, String rel,
                                            RegenConfig.FileSettings settings, RepoFile file) {
        Template pathTemplate = rel.contains("<%") ? Template.parse(where + path + " (file name)", rel) : null;
        byte[] bytes = file.content();
        boolean symlink = file.symlink();
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
        return new TemplateFile(set, path, rel, pathTemplate, body, binary, file.mode(), settings);
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

    /**
     * What regenerating {@code repo} depends on besides the repository's own files: the templates
     * repository, the content of {@code orgctl.yaml}, the content of every set that applies to it,
     * and the repository's properties that templates and selectors read (name, default branch,
     * topics, visibility, language, archived). Not the template revision: a push that changes
     * nothing this repository gets leaves its fingerprint as it was.
     */
    public String fingerprint(RepositoryInfo repo) {
        Fingerprint f = new Fingerprint("orgctl-repo-fingerprint-v1").add(templatesRepo.fullName()).add(configDigest)
                .add(repo.fullName()).add(repo.defaultBranch()).add(String.join(",", repo.topics()))
                .add(repo.visibility().name()).add(repo.language().orElse("")).add(Boolean.toString(repo.archived()));
        for (String set : setsFor(repo)) {
            f.add(set).add(setDigests.getOrDefault(set, ""));
        }
        return f.hex();
    }

    /** The mode for a repository (direct or pull-request). */
    public CommitMode modeFor(RepositoryInfo repo) {
        return config.modeFor(repo);
    }

    /** The sets whose templates do not compile, with why (each applies nowhere). */
    public Map<String, List<TemplateError>> brokenSets() {
        return broken;
    }

    /**
     * Renders every template that applies to the repository, or throws the first template error.
     *
     * @throws TemplateException on unknown variables, or when two templates write the same path
     */
    public List<RenderedFile> render(RepositoryInfo repo) {
        Rendering r = renderAll(repo);
        if (!r.errors().isEmpty()) {
            throw r.errors().get(0).toException();
        }
        return r.files();
    }

    /**
     * Renders every set that applies to the repository, one set at a time: a template error
     * (one that does not compile, an unknown variable, a path another template writes) fails
     * its whole set for this repository and no other set. A template whose tags render to
     * nothing but whitespace produces no file (how a template makes a file conditional); a
     * template that is empty or only whitespace to begin with ({@code .nojekyll}, {@code py.typed})
     * is a file like any other.
     */
    public Rendering renderAll(RepositoryInfo repo) {
        List<RenderedFile> out = new ArrayList<>();
        List<TemplateError> errors = new ArrayList<>();
        Map<String, String> sources = new HashMap<>();
        for (String set : setsFor(repo)) {
            List<TemplateError> compileErrors = broken.get(set);
            if (compileErrors != null) {
                errors.addAll(compileErrors);
                continue;
            }
            Map<String, String> setSources = new HashMap<>();
            try {
                List<RenderedFile> files = renderSet(set, repo, sources, setSources);
                out.addAll(files);
                sources.putAll(setSources);
            } catch (TemplateException e) {
                errors.add(TemplateError.of(set, e));
            }
        }
        return new Rendering(out, errors);
    }

    private List<RenderedFile> renderSet(String set, RepositoryInfo repo, Map<String, String> taken,
                                         Map<String, String> sources) {
        List<RenderedFile> out = new ArrayList<>();
        Map<String, Object> values = TemplateValues.of(repo, templatesRepo.fullName(), config.variablesFor(set, repo));
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
            String previous = taken.containsKey(path) ? taken.get(path) : sources.putIfAbsent(path, t.source());
            if (previous != null) {
                throw new TemplateException(templatesRepo.fullName() + ":" + t.source(), 0, "renders to '" + path
                        + "' for " + repo.fullName() + ", as does " + previous + ": one file, one template");
            }
            out.add(f);
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
