package dev.orgctl.hosts.git;

import dev.orgctl.hosts.HostException;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.Visibility;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.ConfigInvalidException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.util.FS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Organization administration of the git backend: the layout under the root
 * ({@code <root>/<org>/<repo>.git}), creating repositories, and the metadata GitHub would hold
 * (topics, visibility, archived, language, a stable id) kept in each repository's git config,
 * section {@code [orgctl]} (see {@link GitRepoSettings}); the default branch is the target of
 * {@code HEAD}. {@link GitHost} answers the same questions through these methods.
 */
final class GitOrgAdmin {
    static final String SECTION = "orgctl";
    private static final Logger log = LoggerFactory.getLogger(GitHost.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;

    GitOrgAdmin(Path root) {
        this.root = root;
    }

    /** {@code <root>/<org>/<name>.git}. */
    Path gitDir(RepoRef repo) {
        checkName(repo.org(), "organization");
        checkName(repo.name(), "repository");
        return root.resolve(repo.org()).resolve(repo.name() + ".git");
    }

    /** The organizations under the root: every directory holding at least one {@code *.git}. */
    List<String> organizations() {
        List<String> orgs = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return orgs;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                // The simulated CI's logs live beside the orgs; that folder is not one.
                if (Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches()
                        && !p.getFileName().toString().equals(GitCi.LOG_DIR)) {
                    orgs.add(p.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new HostException("cannot list " + root + ": " + e.getMessage(), e);
        }
        orgs.sort(null);
        return orgs;
    }

    /** Names of the repositories of an org (directories {@code <name>.git} that look like bare repositories). */
    List<String> repositoryNames(String org) {
        checkName(org, "organization");
        Path dir = root.resolve(org);
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return names;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.git")) {
            for (Path p : ds) {
                if (isBareRepository(p)) {
                    String file = p.getFileName().toString();
                    String name = file.substring(0, file.length() - 4);
                    if (!name.isEmpty() && NAME.matcher(name).matches()) {
                        names.add(name);
                    }
                }
            }
        } catch (IOException e) {
            throw new HostException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        names.sort(null);
        return names;
    }

    static boolean isBareRepository(Path p) {
        return Files.isDirectory(p) && Files.isRegularFile(p.resolve("HEAD")) && Files.isDirectory(p.resolve("objects"))
                && Files.isDirectory(p.resolve("refs"));
    }

    /** The repository's metadata from its git config; empty when there is no such bare repository. */
    Optional<RepositoryInfo> repository(RepoRef repo) {
        Path dir = gitDir(repo);
        if (!isBareRepository(dir)) {
            return Optional.empty();
        }
        FileBasedConfig cfg = loadConfig(dir);
        List<String> topics = topics(cfg.getStringList(SECTION, null, "topics"));
        String vis = cfg.getString(SECTION, null, "visibility");
        Visibility visibility;
        try {
            visibility = vis == null ? Visibility.PUBLIC : Visibility.parse(vis);
        } catch (IllegalArgumentException e) {
            throw new HostException(dir.resolve("config") + ": orgctl.visibility: " + e.getMessage());
        }
        boolean archived = cfg.getBoolean(SECTION, "archived", false);
        Optional<String> language = Optional.ofNullable(cfg.getString(SECTION, null, "language"))
                .map(String::trim).filter(s -> !s.isEmpty());
        return Optional.of(new RepositoryInfo(repo, defaultBranch(dir), topics, visibility, archived, language));
    }

    private static List<String> topics(String[] values) {
        Set<String> out = new LinkedHashSet<>();
        for (String v : values) {
            for (String t : v.split("[,\\s]+")) {
                if (!t.isBlank()) {
                    out.add(t.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return List.copyOf(out);
    }

    private static FileBasedConfig loadConfig(Path dir) {
        FileBasedConfig cfg = new FileBasedConfig(dir.resolve("config").toFile(), FS.DETECTED);
        try {
            cfg.load();
        } catch (IOException | ConfigInvalidException e) {
            throw new HostException("cannot read " + dir.resolve("config") + ": " + e.getMessage(), e);
        }
        return cfg;
    }

    /** The branch {@code HEAD} points at (also when it has no commit yet); {@code main} if HEAD is detached. */
    static String defaultBranch(Path dir) {
        try {
            String head = Files.readString(dir.resolve("HEAD"), StandardCharsets.UTF_8).trim();
            if (head.startsWith("ref: " + Constants.R_HEADS)) {
                return head.substring(("ref: " + Constants.R_HEADS).length()).trim();
            }
            return "main";
        } catch (IOException e) {
            throw new HostException("cannot read " + dir.resolve("HEAD") + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates a bare repository with {@code HEAD} on the settings' default branch and its metadata,
     * or updates the metadata of an existing one. For the demo, benchmarks and tests.
     */
    RepositoryInfo createRepository(RepoRef repo, GitRepoSettings settings) {
        Path dir = gitDir(repo);
        try {
            if (!isBareRepository(dir)) {
                Files.createDirectories(dir.getParent());
                try (Git git = Git.init().setBare(true).setGitDir(dir.toFile())
                        .setInitialBranch(settings.defaultBranch()).call()) {
                    log.atDebug().addKeyValue("repo", repo.fullName()).log("bare repository created");
                }
            }
        } catch (IOException | GitAPIException e) {
            throw new HostException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        writeSettings(repo, settings);
        repositoryId(repo);
        return repository(repo).orElseThrow();
    }

    /** Writes the metadata of an existing repository (and points HEAD at the default branch). */
    void writeSettings(RepoRef repo, GitRepoSettings settings) {
        Path dir = gitDir(repo);
        FileBasedConfig cfg = loadConfig(dir);
        if (settings.topics().isEmpty()) {
            cfg.unset(SECTION, null, "topics");
        } else {
            cfg.setString(SECTION, null, "topics", String.join(", ", settings.topics()));
        }
        cfg.setString(SECTION, null, "visibility", settings.visibility().apiName());
        cfg.setBoolean(SECTION, null, "archived", settings.archived());
        if (settings.language().isPresent()) {
            cfg.setString(SECTION, null, "language", settings.language().get());
        } else {
            cfg.unset(SECTION, null, "language");
        }
        try {
            cfg.save();
            Files.writeString(dir.resolve("HEAD"), "ref: " + Constants.R_HEADS + settings.defaultBranch() + "\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HostException("cannot write " + dir.resolve("config") + ": " + e.getMessage(), e);
        }
    }

    /**
     * The repository's stable numeric id ({@code orgctl.id} in its git config), assigned on first
     * use. It plays GitHub's repository id in payloads, and tells a deleted and re-created
     * repository of the same name from the old one.
     */
    long repositoryId(RepoRef repo) {
        Path dir = gitDir(repo);
        FileBasedConfig cfg = loadConfig(dir);
        long id = cfg.getLong(SECTION, "id", 0);
        if (id > 0) {
            return id;
        }
        synchronized (this) {
            cfg = loadConfig(dir);
            id = cfg.getLong(SECTION, "id", 0);
            if (id > 0) {
                return id;
            }
            id = 1 + (RANDOM.nextLong() & ((1L << 40) - 1));
            cfg.setLong(SECTION, null, "id", id);
            try {
                cfg.save();
            } catch (IOException e) {
                throw new HostException("cannot write " + dir.resolve("config") + ": " + e.getMessage(), e);
            }
            return id;
        }
    }

    private static void checkName(String s, String what) {
        if (s == null || !NAME.matcher(s).matches() || s.equals(".") || s.equals("..")) {
            throw new IllegalArgumentException("not a valid " + what + " name for the git backend: '" + s + "'");
        }
    }
}
