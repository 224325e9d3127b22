package dev.orgctl.regen;

import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.Visibility;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The templates repository's {@code orgctl.yaml}: template sets and their targets, variables,
 * groups, per-repository values, policies and mode. Schema and examples: docs/templates.md.
 * Without the file every set under {@code templates/} applies to every repository with the
 * defaults ({@link #defaults()}).
 */
public final class RegenConfig {
    /** The file's name at the root of the templates repository. */
    public static final String FILE = "orgctl.yaml";

    /** Per-file settings, from the first {@code files} rule that matches (exact paths before globs). */
    public record FileRule(Glob pattern, Optional<Policy> policy, Optional<DriftPolicy> drift, Optional<Boolean> header) {
    }

    /** A template set as declared (or defaulted). */
    public record SetConfig(String name, Selector targets, Optional<Policy> policy, Optional<DriftPolicy> drift,
                            Optional<Boolean> header, Map<String, Object> variables, List<FileRule> files, int line) {
    }

    /** A named selection of repositories with values. */
    public record Group(String name, Selector select, Map<String, Object> variables) {
    }

    /** Values, mode and pull-request settings of one repository ({@code line}: where {@code repos.<name>} is). */
    public record RepoConfig(String name, Map<String, Object> variables, Optional<CommitMode> mode,
                             PullRequestConfig pullRequest, int line) {
    }

    /** The settings a template file ends up with. */
    public record FileSettings(Policy policy, DriftPolicy drift, boolean header) {
    }

    private final CommitMode mode;
    private final PullRequestConfig pullRequest;
    private final boolean header;
    private final Policy defaultPolicy;
    private final DriftPolicy defaultDrift;
    private final Map<String, Object> variables;
    private final Map<String, Group> groups;
    private final Map<String, RepoConfig> repos;
    private final Map<String, SetConfig> sets;
    private final boolean fromFile;
    private final Optional<RolloutConfig> rollout;

    RegenConfig(CommitMode mode, PullRequestConfig pullRequest, boolean header, Policy defaultPolicy,
                DriftPolicy defaultDrift, Map<String, Object> variables, Map<String, Group> groups,
                Map<String, RepoConfig> repos, Map<String, SetConfig> sets, boolean fromFile,
                Optional<RolloutConfig> rollout) {
        this.rollout = rollout;
        this.mode = mode;
        this.pullRequest = pullRequest;
        this.header = header;
        this.defaultPolicy = defaultPolicy;
        this.defaultDrift = defaultDrift;
        this.variables = variables;
        this.groups = groups;
        this.repos = repos;
        this.sets = sets;
        this.fromFile = fromFile;
    }

    /** No {@code orgctl.yaml}: every set, every repository, overwrite, repair, direct, headers on. */
    public static RegenConfig defaults() {
        return new RegenConfig(CommitMode.DIRECT, PullRequestConfig.EMPTY, true, Policy.OVERWRITE, DriftPolicy.REPAIR, Map.of(), Map.of(),
                Map.of(), Map.of(), false, Optional.empty());
    }

    /** The {@code rollout} block: empty means a template change reaches every target at once. */
    public Optional<RolloutConfig> rollout() {
        return rollout;
    }

    public boolean fromFile() {
        return fromFile;
    }

    public CommitMode mode() {
        return mode;
    }

    public Map<String, SetConfig> declaredSets() {
        return sets;
    }

    public Map<String, Group> groups() {
        return groups;
    }

    /** The set's configuration; a set that {@code orgctl.yaml} does not mention targets every repository. */
    public SetConfig set(String name) {
        SetConfig s = sets.get(name);
        return s != null ? s : new SetConfig(name, Selector.ALL, Optional.empty(), Optional.empty(), Optional.empty(),
                Map.of(), List.of(), 0);
    }

    /** The groups a repository belongs to, in declaration order. */
    public Set<String> groupsOf(RepositoryInfo repo) {
        Set<String> out = new LinkedHashSet<>();
        for (Group g : groups.values()) {
            if (g.select().matches(repo, Set.of())) {
                out.add(g.name());
            }
        }
        return out;
    }

    public boolean targets(String set, RepositoryInfo repo) {
        return set(set).targets().matches(repo, groupsOf(repo));
    }

    /** The {@code repos.<name>} entries, by name. */
    public Map<String, RepoConfig> repos() {
        return repos;
    }

    /**
     * The {@code repos.<name>} entries that could be a typo of {@code repoName}: another name at an
     * edit distance of at most 2 (or differing only in case). Whether such an entry names a real
     * repository only the host knows; if it does not, the settings meant for {@code repoName}
     * (a pull-request mode, its owners) would silently not apply to it.
     */
    public List<RepoConfig> lookalikes(String repoName) {
        List<RepoConfig> out = new ArrayList<>();
        for (RepoConfig rc : repos.values()) {
            if (!rc.name().equals(repoName) && RepoNames.close(rc.name(), repoName)) {
                out.add(rc);
            }
        }
        return out;
    }

    /** The repository's mode: its own {@code repos.<name>.mode}, else the global {@code mode}. */
    public CommitMode modeFor(RepositoryInfo repo) {
        RepoConfig rc = repos.get(repo.name());
        return rc != null && rc.mode().isPresent() ? rc.mode().get() : mode;
    }

    /** The repository's pull-request settings: the top-level {@code pull_request}, overridden key by key by its own. */
    public PullRequestConfig pullRequestFor(RepositoryInfo repo) {
        RepoConfig rc = repos.get(repo.name());
        return rc == null ? pullRequest : pullRequest.overriddenBy(rc.pullRequest());
    }

    /**
     * The {@code vars} of a repository outside any set (pull-request texts): global {@code variables},
     * then its groups', then its own.
     */
    public Map<String, Object> variablesFor(RepositoryInfo repo) {
        return variablesFor(Map.of(), repo);
    }

    private Map<String, Object> variablesFor(Map<String, Object> setVariables, RepositoryInfo repo) {
        Map<String, Object> out = new LinkedHashMap<>();
        merge(out, variables);
        merge(out, setVariables);
        for (String g : groupsOf(repo)) {
            merge(out, groups.get(g).variables());
        }
        RepoConfig rc = repos.get(repo.name());
        if (rc != null) {
            merge(out, rc.variables());
        }
        return out;
    }

    /**
     * The {@code vars} of a repository for one set: global {@code variables}, then the set's, then
     * each group's the repository belongs to (in declaration order), then the repository's own;
     * later ones win, maps are merged key by key.
     */
    public Map<String, Object> variablesFor(String set, RepositoryInfo repo) {
        return variablesFor(set(set).variables(), repo);
    }

    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> into, Map<String, Object> from) {
        for (Map.Entry<String, Object> e : from.entrySet()) {
            Object old = into.get(e.getKey());
            if (old instanceof Map && e.getValue() instanceof Map) {
                Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) old);
                merge(m, (Map<String, Object>) e.getValue());
                into.put(e.getKey(), m);
            } else {
                into.put(e.getKey(), e.getValue());
            }
        }
    }

    /** Settings of the template {@code path} (relative to its set's directory). */
    public FileSettings fileSettings(String set, String path) {
        SetConfig s = set(set);
        FileRule rule = null;
        for (FileRule r : s.files()) {
            if (r.pattern().isLiteral() && r.pattern().pattern().equals(path)) {
                rule = r;
                break;
            }
        }
        if (rule == null) {
            for (FileRule r : s.files()) {
                if (r.pattern().matches(path)) {
                    rule = r;
                    break;
                }
            }
        }
        Policy policy = rule != null && rule.policy().isPresent() ? rule.policy().get()
                : s.policy().orElse(defaultPolicy);
        DriftPolicy drift = rule != null && rule.drift().isPresent() ? rule.drift().get()
                : s.drift().orElse(defaultDrift);
        boolean hdr = rule != null && rule.header().isPresent() ? rule.header().get() : s.header().orElse(header);
        return new FileSettings(policy, drift, hdr);
    }

    // ---------------------------------------------------------------------------------------------
    // Parsing

    /**
     * Parses {@code orgctl.yaml}; errors name {@code file}, the line and the key.
     *
     * @param file how to name the file in errors, e.g. {@code acme/.github:orgctl.yaml}
     */
    public static RegenConfig parse(String file, byte[] yaml) {
        return new Reader(file).read(YamlTree.parse(file, yaml));
    }

    public static RegenConfig parse(String file, String yaml) {
        return parse(file, yaml.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The parser's helpers, shared with the blocks that parse themselves ({@link PullRequestConfig},
     * {@link RolloutConfig}).
     */
    static final class Reader {
        private final String file;

        Reader(String file) {
            this.file = file;
        }

        String file() {
            return file;
        }

        TemplateException error(YamlTree.Node at, String key, String msg) {
            return new TemplateException(file, at.line(), (key.isEmpty() ? "" : key + ": ") + msg);
        }

        YamlTree.MapNode map(YamlTree.Node n, String key, String... allowed) {
            if (!(n instanceof YamlTree.MapNode m)) {
                throw error(n, key, "expected a map" + (allowed.length > 0 ? " with keys "
                        + String.join(", ", allowed) : ""));
            }
            if (allowed.length > 0) {
                Set<String> ok = new TreeSet<>(Arrays.asList(allowed));
                for (YamlTree.Field f : m.fields().values()) {
                    if (!ok.contains(f.key())) {
                        throw new TemplateException(file, f.line(), (key.isEmpty() ? "" : key + ": ") + "unknown key '"
                                + f.key() + "' (expected " + String.join(", ", allowed) + ")");
                    }
                }
            }
            return m;
        }

        String string(YamlTree.Node n, String key) {
            if (n instanceof YamlTree.Scalar s && s.value() != null && !(s.value() instanceof Boolean)) {
                return s.value().toString();
            }
            throw error(n, key, "expected a text value");
        }

        boolean bool(YamlTree.Node n, String key) {
            if (n instanceof YamlTree.Scalar s && s.value() instanceof Boolean b) {
                return b;
            }
            throw error(n, key, "expected true or false");
        }

        /** A list of text values; a single value is a list of one, for every key that takes a list. */
        List<String> strings(YamlTree.Node n, String key) {
            List<String> out = new ArrayList<>();
            if (n instanceof YamlTree.Scalar s && s.value() != null && !(s.value() instanceof Boolean)) {
                out.add(s.value().toString());
                return out;
            }
            if (!(n instanceof YamlTree.ListNode l)) {
                throw error(n, key, "expected a text value or a list of them");
            }
            for (int i = 0; i < l.items().size(); i++) {
                out.add(string(l.items().get(i), key + "[" + i + "]"));
            }
            return out;
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> values(YamlTree.Node n, String key) {
            if (n instanceof YamlTree.Scalar s && s.value() == null) {
                return Map.of();
            }
            map(n, key);
            return (Map<String, Object>) n.toJava();
        }

        <T> T parseEnum(YamlTree.Node n, String key, java.util.function.Function<String, T> parser) {
            String s = string(n, key);
            try {
                return parser.apply(s);
            } catch (IllegalArgumentException e) {
                throw error(n, key, e.getMessage());
            }
        }

        RegenConfig read(YamlTree.Node rootNode) {
            YamlTree.MapNode root = map(rootNode, "", "version", "mode", "header", "defaults", "variables", "groups",
                    "repos", "sets", PullRequestConfig.KEY, RolloutConfig.KEY);
            Map<String, YamlTree.Field> f = root.fields();
            if (f.containsKey("version")) {
                YamlTree.Node v = f.get("version").value();
                if (!(v instanceof YamlTree.Scalar s && Long.valueOf(1).equals(s.value()))) {
                    throw error(v, "version", "only version 1 is supported");
                }
            }
            CommitMode mode = f.containsKey("mode") ? parseEnum(f.get("mode").value(), "mode", CommitMode::parse)
                    : CommitMode.DIRECT;
            PullRequestConfig pullRequest = f.containsKey(PullRequestConfig.KEY)
                    ? PullRequestConfig.read(this, f.get(PullRequestConfig.KEY).value(), PullRequestConfig.KEY)
                    : PullRequestConfig.EMPTY;
            boolean header = !f.containsKey("header") || bool(f.get("header").value(), "header");
            Policy policy = Policy.OVERWRITE;
            DriftPolicy drift = DriftPolicy.REPAIR;
            if (f.containsKey("defaults")) {
                YamlTree.MapNode d = map(f.get("defaults").value(), "defaults", "policy", "drift");
                if (d.fields().containsKey("policy")) {
                    policy = parseEnum(d.fields().get("policy").value(), "defaults.policy", Policy::parse);
                }
                if (d.fields().containsKey("drift")) {
                    drift = parseEnum(d.fields().get("drift").value(), "defaults.drift", DriftPolicy::parse);
                }
            }
            Map<String, Object> variables = f.containsKey("variables")
                    ? values(f.get("variables").value(), "variables") : Map.of();

            Map<String, Group> groups = new LinkedHashMap<>();
            if (f.containsKey("groups")) {
                for (YamlTree.Field g : map(f.get("groups").value(), "groups").fields().values()) {
                    String key = "groups." + g.key();
                    YamlTree.MapNode gm = map(g.value(), key, "select", "variables");
                    if (!gm.fields().containsKey("select")) {
                        throw error(g.value(), key, "a group needs 'select' (names, topics, visibility, exclude)");
                    }
                    Selector sel = selector(gm.fields().get("select").value(), key + ".select", false, Set.of());
                    Map<String, Object> vars = gm.fields().containsKey("variables")
                            ? values(gm.fields().get("variables").value(), key + ".variables") : Map.of();
                    groups.put(g.key(), new Group(g.key(), sel, vars));
                }
            }

            Map<String, RepoConfig> repos = new LinkedHashMap<>();
            if (f.containsKey("repos")) {
                for (YamlTree.Field r : map(f.get("repos").value(), "repos").fields().values()) {
                    String key = "repos." + r.key();
                    YamlTree.MapNode rm = map(r.value(), key, "variables", "mode", PullRequestConfig.KEY);
                    Map<String, Object> vars = rm.fields().containsKey("variables")
                            ? values(rm.fields().get("variables").value(), key + ".variables") : Map.of();
                    Optional<CommitMode> m = rm.fields().containsKey("mode")
                            ? Optional.of(parseEnum(rm.fields().get("mode").value(), key + ".mode", CommitMode::parse))
                            : Optional.empty();
                    PullRequestConfig pr = rm.fields().containsKey(PullRequestConfig.KEY)
                            ? PullRequestConfig.read(this, rm.fields().get(PullRequestConfig.KEY).value(),
                                    key + "." + PullRequestConfig.KEY)
                            : PullRequestConfig.EMPTY;
                    repos.put(r.key(), new RepoConfig(r.key(), vars, m, pr, r.line()));
                }
            }

            Map<String, SetConfig> sets = new LinkedHashMap<>();
            if (f.containsKey("sets")) {
                for (YamlTree.Field s : map(f.get("sets").value(), "sets").fields().values()) {
                    sets.put(s.key(), set(s, groups.keySet()));
                }
            }
            Optional<RolloutConfig> rollout = f.containsKey(RolloutConfig.KEY)
                    ? Optional.of(RolloutConfig.read(this, f.get(RolloutConfig.KEY).value(), groups.keySet()))
                    : Optional.empty();
            return new RegenConfig(mode, pullRequest, header, policy, drift, variables, groups, repos, sets, true, rollout);
        }

        private SetConfig set(YamlTree.Field s, Set<String> groupNames) {
            String key = "sets." + s.key();
            if (s.key().contains("/") || s.key().isBlank()) {
                throw new TemplateException(file, s.line(), key + ": a set name is one directory name under templates/");
            }
            if (s.value() instanceof YamlTree.Scalar sc && sc.value() == null) {
                return new SetConfig(s.key(), Selector.ALL, Optional.empty(), Optional.empty(), Optional.empty(),
                        Map.of(), List.of(), s.line());
            }
            YamlTree.MapNode m = map(s.value(), key, "targets", "policy", "drift", "header", "variables", "files");
            Map<String, YamlTree.Field> f = m.fields();
            Selector targets = f.containsKey("targets")
                    ? selector(f.get("targets").value(), key + ".targets", true, groupNames) : Selector.ALL;
            Optional<Policy> policy = f.containsKey("policy")
                    ? Optional.of(parseEnum(f.get("policy").value(), key + ".policy", Policy::parse)) : Optional.empty();
            Optional<DriftPolicy> drift = f.containsKey("drift")
                    ? Optional.of(parseEnum(f.get("drift").value(), key + ".drift", DriftPolicy::parse))
                    : Optional.empty();
            Optional<Boolean> header = f.containsKey("header")
                    ? Optional.of(bool(f.get("header").value(), key + ".header")) : Optional.empty();
            Map<String, Object> vars = f.containsKey("variables")
                    ? values(f.get("variables").value(), key + ".variables") : Map.of();
            List<FileRule> files = new ArrayList<>();
            if (f.containsKey("files")) {
                for (YamlTree.Field fr : map(f.get("files").value(), key + ".files").fields().values()) {
                    String fk = key + ".files." + fr.key();
                    Glob pattern = Glob.of(fr.key());
                    if (fr.value() instanceof YamlTree.Scalar) {
                        files.add(new FileRule(pattern, Optional.of(parseEnum(fr.value(), fk, Policy::parse)),
                                Optional.empty(), Optional.empty()));
                        continue;
                    }
                    YamlTree.MapNode fm = map(fr.value(), fk, "policy", "drift", "header");
                    Map<String, YamlTree.Field> ff = fm.fields();
                    files.add(new FileRule(pattern,
                            ff.containsKey("policy")
                                    ? Optional.of(parseEnum(ff.get("policy").value(), fk + ".policy", Policy::parse))
                                    : Optional.empty(),
                            ff.containsKey("drift")
                                    ? Optional.of(parseEnum(ff.get("drift").value(), fk + ".drift", DriftPolicy::parse))
                                    : Optional.empty(),
                            ff.containsKey("header") ? Optional.of(bool(ff.get("header").value(), fk + ".header"))
                                    : Optional.empty()));
                }
            }
            return new SetConfig(s.key(), targets, policy, drift, header, vars, files, s.line());
        }

        Selector selector(YamlTree.Node n, String key, boolean allowGroups, Set<String> groupNames) {
            if (n instanceof YamlTree.Scalar s && "all".equals(s.value())) {
                return Selector.ALL;
            }
            YamlTree.MapNode m = allowGroups
                    ? map(n, key, "all", "names", "topics", "visibility", "groups", "exclude")
                    : map(n, key, "all", "names", "topics", "visibility", "exclude");
            Map<String, YamlTree.Field> f = m.fields();
            List<Glob> names = new ArrayList<>();
            List<String> topics = new ArrayList<>();
            List<Visibility> visibility = new ArrayList<>();
            List<String> groups = new ArrayList<>();
            List<Glob> exclude = new ArrayList<>();
            if (f.containsKey("all") && !bool(f.get("all").value(), key + ".all")) {
                throw error(f.get("all").value(), key + ".all", "'all: false' selects nothing; leave the set out "
                        + "of templates/ or use 'names' instead");
            }
            if (f.containsKey("names")) {
                strings(f.get("names").value(), key + ".names").forEach(s -> names.add(Glob.of(s)));
            }
            if (f.containsKey("topics")) {
                strings(f.get("topics").value(), key + ".topics").forEach(s -> topics.add(s.toLowerCase(Locale.ROOT)));
            }
            if (f.containsKey("visibility")) {
                YamlTree.Node v = f.get("visibility").value();
                for (String s : strings(v, key + ".visibility")) {
                    try {
                        visibility.add(Visibility.parse(s));
                    } catch (IllegalArgumentException e) {
                        throw error(v, key + ".visibility", e.getMessage());
                    }
                }
            }
            if (f.containsKey("groups")) {
                YamlTree.Node g = f.get("groups").value();
                for (String s : strings(g, key + ".groups")) {
                    if (!groupNames.contains(s)) {
                        throw error(g, key + ".groups", "unknown group '" + s + "' (declared: "
                                + (groupNames.isEmpty() ? "none" : String.join(", ", groupNames)) + ")");
                    }
                    groups.add(s);
                }
            }
            if (f.containsKey("exclude")) {
                strings(f.get("exclude").value(), key + ".exclude").forEach(s -> exclude.add(Glob.of(s)));
            }
            return new Selector(names, topics, visibility, groups, exclude);
        }
    }
}
