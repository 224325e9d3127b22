package dev.orgctl.hosts.git;

import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.HostException;
import dev.orgctl.hosts.ProposalRequest;
import dev.orgctl.hosts.ProposalResult;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.Visibility;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.errors.ConfigInvalidException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilterGroup;
import org.eclipse.jgit.util.FS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code git} repository host: bare repositories under {@code <root>/<org>/<repo>.git}, the
 * templates repository at {@code <root>/<org>/.github.git}. Everything goes through JGit on the
 * object database and refs, without working trees: blobs and trees are written with an
 * {@link ObjectInserter} (a {@link DirCache} in memory assembles the new tree), and the branch is
 * moved with a {@link RefUpdate} that names the expected old head, so a concurrent push (by
 * orgctl or any git client) makes the update fail instead of being overwritten.
 *
 * <p>Repository metadata (topics, visibility, archived, language) lives in each repository's
 * git config, section {@code [orgctl]} (see {@link GitRepoSettings}); the default branch is the
 * target of {@code HEAD}.
 */
public final class GitHost implements RepositoryHost {
    /** The templates repository's name in every org. */
    public static final String TEMPLATES_REPO = ".github";
    static final String SECTION = "orgctl";
    private static final Logger log = LoggerFactory.getLogger(GitHost.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final int LOCK_RETRIES = 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final RepoPool pool;

    public GitHost(Path root) {
        this(root, 64);
    }

    /** @param openRepositories how many repositories stay open between calls */
    public GitHost(Path root, int openRepositories) {
        this.root = root.toAbsolutePath().normalize();
        this.pool = new RepoPool(openRepositories);
    }

    @Override
    public String kind() {
        return "git";
    }

    public Path root() {
        return root;
    }

    /** {@code <root>/<org>/<name>.git}. */
    public Path gitDir(RepoRef repo) {
        checkName(repo.org(), "organization");
        checkName(repo.name(), "repository");
        return root.resolve(repo.org()).resolve(repo.name() + ".git");
    }

    /** The organizations under the root: every directory holding at least one {@code *.git}. */
    public List<String> organizations() {
        List<String> orgs = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return orgs;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches()) {
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
    public List<String> repositoryNames(String org) {
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

    @Override
    public List<RepositoryInfo> listRepositories(String org) {
        List<RepositoryInfo> out = new ArrayList<>();
        for (String name : repositoryNames(org)) {
            repository(new RepoRef(org, name)).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public Optional<RepositoryInfo> repository(RepoRef repo) {
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
    public RepositoryInfo createRepository(RepoRef repo, GitRepoSettings settings) {
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
    public void writeSettings(RepoRef repo, GitRepoSettings settings) {
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
    public long repositoryId(RepoRef repo) {
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

    @Override
    public Optional<String> branchHead(RepoRef repo, String branch) {
        Path dir = gitDir(repo);
        if (!isBareRepository(dir)) {
            return Optional.empty();
        }
        try (RepoPool.Lease l = pool.acquire(dir)) {
            Ref ref = l.repo().exactRef(Constants.R_HEADS + branch);
            return ref == null || ref.getObjectId() == null ? Optional.empty() : Optional.of(ref.getObjectId().name());
        } catch (IOException e) {
            throw new HostException(repo + ": cannot read branch " + branch + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<RepoSnapshot> readBranch(RepoRef repo, String branch, FileSelection selection) {
        Path dir = gitDir(repo);
        if (!isBareRepository(dir)) {
            return Optional.empty();
        }
        try (RepoPool.Lease l = pool.acquire(dir)) {
            Ref ref = l.repo().exactRef(Constants.R_HEADS + branch);
            if (ref == null || ref.getObjectId() == null) {
                return Optional.empty();
            }
            return Optional.of(read(l.repo(), ref.getObjectId(), selection));
        } catch (IOException e) {
            throw new HostException(repo + ": cannot read branch " + branch + ": " + e.getMessage(), e);
        }
    }

    @Override
    public RepoSnapshot readCommit(RepoRef repo, String commitId, FileSelection selection) {
        Path dir = gitDir(repo);
        try (RepoPool.Lease l = pool.acquire(dir)) {
            return read(l.repo(), ObjectId.fromString(commitId), selection);
        } catch (IOException e) {
            throw new HostException(repo + ": cannot read commit " + commitId + ": " + e.getMessage(), e);
        }
    }

    private static RepoSnapshot read(Repository r, ObjectId commitId, FileSelection selection) throws IOException {
        Map<String, RepoFile> files = new HashMap<>();
        Map<String, RepoSnapshot.NotFile> notFiles = new HashMap<>();
        try (ObjectReader reader = r.newObjectReader(); RevWalk rw = new RevWalk(reader)) {
            RevCommit commit = rw.parseCommit(commitId);
            if (!selection.isEmpty()) {
                try (TreeWalk tw = new TreeWalk(reader)) {
                    tw.addTree(commit.getTree());
                    tw.setRecursive(true);
                    tw.setFilter(PathFilterGroup.createFromStrings(selection.all()));
                    while (tw.next()) {
                        String path = tw.getPathString();
                        FileMode mode = tw.getFileMode(0);
                        if (!selection.matches(path)) {
                            directoryAt(selection, path)
                                    .ifPresent(d -> notFiles.put(d, RepoSnapshot.NotFile.DIRECTORY));
                            continue;
                        }
                        Optional<RepoFile.Mode> kind = fileMode(mode);
                        if (kind.isEmpty()) {
                            if (selection.paths().contains(path)) {
                                notFiles.put(path, RepoSnapshot.NotFile.SUBMODULE);
                            }
                            continue;
                        }
                        byte[] bytes = reader.open(tw.getObjectId(0), Constants.OBJ_BLOB).getBytes();
                        files.put(path, new RepoFile(bytes, kind.get()));
                    }
                }
            }
            return new RepoSnapshot(commit.name(), files, notFiles);
        }
    }

    /** The selected exact path that {@code path} lies under (so that path is a directory), if any. */
    private static Optional<String> directoryAt(FileSelection selection, String path) {
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            String dir = path.substring(0, slash);
            if (selection.paths().contains(dir)) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    /** The file kind of a git mode; empty for what is not a file (a submodule). */
    private static Optional<RepoFile.Mode> fileMode(FileMode mode) {
        if (mode == FileMode.REGULAR_FILE) {
            return Optional.of(RepoFile.Mode.REGULAR);
        }
        if (mode == FileMode.EXECUTABLE_FILE) {
            return Optional.of(RepoFile.Mode.EXECUTABLE);
        }
        if (mode == FileMode.SYMLINK) {
            return Optional.of(RepoFile.Mode.SYMLINK);
        }
        return Optional.empty();
    }

    private static FileMode gitMode(RepoFile.Mode mode) {
        switch (mode) {
            case EXECUTABLE:
                return FileMode.EXECUTABLE_FILE;
            case SYMLINK:
                return FileMode.SYMLINK;
            case REGULAR:
            default:
                return FileMode.REGULAR_FILE;
        }
    }

    @Override
    public CommitResult commit(RepoRef repo, CommitRequest request) {
        Path dir = gitDir(repo);
        if (!isBareRepository(dir)) {
            return new CommitResult.Rejected("no repository " + repo.fullName() + " under " + root);
        }
        String refName = Constants.R_HEADS + request.branch();
        try (RepoPool.Lease l = pool.acquire(dir);
             ObjectInserter ins = l.repo().newObjectInserter();
             RevWalk rw = new RevWalk(l.repo())) {
            Repository r = l.repo();
            ObjectId expected = request.expectedHead().map(ObjectId::fromString).orElse(null);
            Optional<ObjectId> current = head(r, refName);
            if (!sameId(current.orElse(null), expected)) {
                return moved(current);
            }
            RevCommit parent = expected == null ? null : rw.parseCommit(expected);
            ObjectId tree;
            try {
                tree = buildTree(r, ins, parent, request.changes());
            } catch (IllegalStateException | IllegalArgumentException e) {
                return new CommitResult.Rejected("cannot apply the changes: " + e.getMessage());
            }
            if (parent != null && tree.equals(parent.getTree())) {
                return new CommitResult.Rejected("the changes leave the tree as it is: nothing to commit");
            }
            ObjectId commitId = insertCommit(ins, tree, parent, request.message(), request.identity());
            ins.flush();
            for (int attempt = 0; ; attempt++) {
                RefUpdate ru = r.updateRef(refName);
                ru.setExpectedOldObjectId(expected == null ? ObjectId.zeroId() : expected);
                ru.setNewObjectId(commitId);
                ru.setRefLogIdent(person(request.identity(), Instant.now()));
                ru.setRefLogMessage("orgctl: regenerate", false);
                RefUpdate.Result result = ru.update(rw);
                switch (result) {
                    case NEW:
                    case FAST_FORWARD:
                        log.atDebug().addKeyValue("repo", repo.fullName()).addKeyValue("branch", request.branch())
                                .addKeyValue("commit", commitId.name()).log("committed");
                        return new CommitResult.Committed(commitId.name());
                    case LOCK_FAILURE:
                    case REJECTED:
                    case REJECTED_MISSING_OBJECT:
                    case NO_CHANGE:
                    case FORCED:
                    case IO_FAILURE:
                    default:
                        Optional<ObjectId> now = head(r, refName);
                        if (!sameId(now.orElse(null), expected)) {
                            return moved(now);
                        }
                        if (result != RefUpdate.Result.LOCK_FAILURE || attempt >= LOCK_RETRIES) {
                            return new CommitResult.Rejected("ref update of " + refName + " failed: " + result
                                    + (result == RefUpdate.Result.LOCK_FAILURE
                                    ? " (is " + dir.resolve(refName + ".lock") + " left over?)" : ""));
                        }
                        // Another writer holds the ref lock and has not moved the head (yet): wait and retry.
                        sleep(5L + attempt * 5L);
                }
            }
        } catch (MissingObjectException e) {
            return new CommitResult.Rejected(repo + ": expected head " + request.expectedHead().orElse("-")
                    + " is not a commit of this repository");
        } catch (IOException e) {
            throw new HostException(repo + ": cannot commit to " + request.branch() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ProposalResult propose(RepoRef repo, ProposalRequest request) {
        Path dir = gitDir(repo);
        if (!isBareRepository(dir)) {
            return new ProposalResult.Rejected("no repository " + repo.fullName() + " under " + root);
        }
        String refName = Constants.R_HEADS + request.proposalBranch();
        try (RepoPool.Lease l = pool.acquire(dir);
             ObjectInserter ins = l.repo().newObjectInserter();
             RevWalk rw = new RevWalk(l.repo())) {
            Repository r = l.repo();
            RevCommit base = rw.parseCommit(ObjectId.fromString(request.baseHead()));
            ObjectId tree;
            try {
                tree = buildTree(r, ins, base, request.changes());
            } catch (IllegalStateException | IllegalArgumentException e) {
                return new ProposalResult.Rejected("cannot apply the changes: " + e.getMessage());
            }
            Optional<ObjectId> current = head(r, refName);
            if (current.isPresent()) {
                RevCommit existing = rw.parseCommit(current.get());
                if (existing.getParentCount() == 1 && existing.getParent(0).equals(base)
                        && existing.getTree().equals(tree)) {
                    return new ProposalResult.Unchanged(request.proposalBranch(), existing.name(), Optional.empty());
                }
            }
            ObjectId commitId = insertCommit(ins, tree, base, request.message(), request.identity());
            ins.flush();
            RefUpdate ru = r.updateRef(refName);
            ru.setExpectedOldObjectId(current.orElse(ObjectId.zeroId()));
            ru.setNewObjectId(commitId);
            ru.setRefLogIdent(person(request.identity(), Instant.now()));
            ru.setRefLogMessage("orgctl: proposal", false);
            // The proposal branch is orgctl's own: it is rebuilt on the base each time, so its update is
            // not a fast-forward; it is still compare-and-set on the value read above.
            ru.setForceUpdate(true);
            RefUpdate.Result result = ru.update(rw);
            switch (result) {
                case NEW:
                case FAST_FORWARD:
                case FORCED:
                    return new ProposalResult.Updated(request.proposalBranch(), commitId.name(), Optional.empty());
                default:
                    Optional<ObjectId> now = head(r, refName);
                    if (!sameId(now.orElse(null), current.orElse(null))) {
                        return new ProposalResult.MovedHead(now.map(ObjectId::name));
                    }
                    return new ProposalResult.Rejected("ref update of " + refName + " failed: " + result);
            }
        } catch (MissingObjectException e) {
            return new ProposalResult.Rejected(repo + ": base " + request.baseHead() + " is not a commit");
        } catch (IOException e) {
            throw new HostException(repo + ": cannot update " + request.proposalBranch() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean closeProposal(RepoRef repo, String proposalBranch, String reason) {
        Path dir = gitDir(repo);
        if (!isBareRepository(dir)) {
            return false;
        }
        String refName = Constants.R_HEADS + proposalBranch;
        try (RepoPool.Lease l = pool.acquire(dir)) {
            Optional<ObjectId> current = head(l.repo(), refName);
            if (current.isEmpty()) {
                return false;
            }
            RefUpdate ru = l.repo().updateRef(refName);
            ru.setExpectedOldObjectId(current.get());
            ru.setForceUpdate(true);
            ru.setRefLogMessage("orgctl: proposal closed: " + reason, false);
            RefUpdate.Result result = ru.delete();
            boolean deleted = result == RefUpdate.Result.FORCED || result == RefUpdate.Result.NO_CHANGE
                    || result == RefUpdate.Result.FAST_FORWARD;
            log.atInfo().addKeyValue("repo", repo.fullName()).addKeyValue("branch", proposalBranch)
                    .addKeyValue("result", result).addKeyValue("reason", reason).log("proposal closed");
            return deleted;
        } catch (IOException e) {
            throw new HostException(repo + ": cannot delete " + proposalBranch + ": " + e.getMessage(), e);
        }
    }

    private static Optional<ObjectId> head(Repository r, String refName) throws IOException {
        Ref ref = r.getRefDatabase().exactRef(refName);
        return ref == null ? Optional.empty() : Optional.ofNullable(ref.getObjectId());
    }

    private static CommitResult moved(Optional<ObjectId> now) {
        return new CommitResult.MovedHead(now.map(ObjectId::name));
    }

    private static boolean sameId(ObjectId a, ObjectId b) {
        return a == null ? b == null : b != null && a.equals(b);
    }

    /** The base tree with the changes applied, written to the object database. */
    private static ObjectId buildTree(Repository r, ObjectInserter ins, RevCommit base, List<FileChange> changes)
            throws IOException {
        DirCache dc = DirCache.newInCore();
        if (base != null) {
            DirCacheBuilder b = dc.builder();
            try (ObjectReader reader = r.newObjectReader()) {
                b.addTree(new byte[0], DirCacheEntry.STAGE_0, reader, base.getTree());
            }
            b.finish();
        }
        DirCacheEditor ed = dc.editor();
        Set<String> deleted = new HashSet<>();
        for (FileChange c : changes) {
            if (c instanceof FileChange.Delete) {
                deleted.add(c.path());
            }
        }
        for (FileChange c : changes) {
            if (c instanceof FileChange.Put put) {
                ObjectId blob = ins.insert(Constants.OBJ_BLOB, put.file().content());
                FileMode mode = gitMode(put.file().mode());
                checkNoDirectoryFileConflict(dc, put.path(), deleted);
                ed.add(new DirCacheEditor.PathEdit(put.path()) {
                    @Override
                    public void apply(DirCacheEntry ent) {
                        ent.setFileMode(mode);
                        ent.setObjectId(blob);
                    }
                });
            } else {
                ed.add(new DirCacheEditor.DeletePath(c.path()));
            }
        }
        ed.finish();
        return dc.writeTree(ins);
    }

    /** A file cannot replace a directory, nor live under a path that is a file (unless the same commit deletes it). */
    private static void checkNoDirectoryFileConflict(DirCache dc, String path, Set<String> deleted) {
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            String parent = path.substring(0, slash);
            if (dc.findEntry(parent) >= 0 && !deleted.contains(parent)) {
                throw new IllegalStateException("'" + path.substring(0, slash) + "' is a file in the repository, "
                        + "so '" + path + "' cannot be written");
            }
        }
        String prefix = path + "/";
        int i = dc.findEntry(prefix);
        int next = i >= 0 ? i : -(i + 1);
        if (next < dc.getEntryCount() && dc.getEntry(next).getPathString().startsWith(prefix)) {
            throw new IllegalStateException("'" + path + "' is a directory in the repository");
        }
    }

    private static ObjectId insertCommit(ObjectInserter ins, ObjectId tree, RevCommit parent, String message,
                                         CommitIdentity identity) throws IOException {
        PersonIdent who = person(identity, Instant.now());
        CommitBuilder cb = new CommitBuilder();
        cb.setTreeId(tree);
        if (parent != null) {
            cb.setParentId(parent);
        }
        cb.setAuthor(who);
        cb.setCommitter(who);
        cb.setEncoding(StandardCharsets.UTF_8);
        cb.setMessage(message);
        return ins.insert(cb);
    }

    private static PersonIdent person(CommitIdentity id, Instant when) {
        return new PersonIdent(id.name(), id.email(), when, ZoneId.systemDefault());
    }

    private static void checkName(String s, String what) {
        if (s == null || !NAME.matcher(s).matches() || s.equals(".") || s.equals("..")) {
            throw new IllegalArgumentException("not a valid " + what + " name for the git backend: '" + s + "'");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException("interrupted");
        }
    }

    /** Forgets cached state of a repository (after deleting or replacing it on disk). */
    public void forget(RepoRef repo) {
        pool.forget(gitDir(repo));
    }

    @Override
    public void close() {
        pool.close();
    }
}
