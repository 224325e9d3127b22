package dev.orgctl.hosts.git;

import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * Test helper: an org of real bare repositories under a temporary root, written to as a person
 * would, with JGit and with the {@code git} command line.
 */
public final class GitTestRepos implements AutoCloseable {
    public static final CommitIdentity ALICE = new CommitIdentity("Alice Example", "alice@example.com");

    private final Path root;
    private final GitHost host;

    public GitTestRepos(Path root) {
        this.root = root;
        this.host = new GitHost(root);
    }

    public Path root() {
        return root;
    }

    public GitHost host() {
        return host;
    }

    public RepoRef create(String org, String name) {
        return create(org, name, GitRepoSettings.defaults());
    }

    public RepoRef create(String org, String name, GitRepoSettings settings) {
        RepoRef ref = new RepoRef(org, name);
        host.createRepository(ref, settings);
        return ref;
    }

    public static Map<String, String> files(String... pathsAndContents) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pathsAndContents.length; i += 2) {
            m.put(pathsAndContents[i], pathsAndContents[i + 1]);
        }
        return m;
    }

    /** A person's commit through JGit on the default branch (null content: delete). Returns the commit id. */
    public String commit(RepoRef repo, Map<String, String> files, String message) {
        return commit(repo, "main", files, message, ALICE);
    }

    public String commit(RepoRef repo, String branch, Map<String, String> files, String message, CommitIdentity who) {
        List<FileChange> changes = new ArrayList<>();
        files.forEach((p, c) -> changes.add(c == null ? new FileChange.Delete(p) : new FileChange.Put(p, RepoFile.of(c))));
        for (int i = 0; i < 100; i++) {
            Optional<String> head = host.branchHead(repo, branch);
            CommitResult r = host.commit(repo, new CommitRequest(branch, head, message, changes, who));
            if (r instanceof CommitResult.Committed c) {
                return c.commitId();
            }
            if (r instanceof CommitResult.Rejected rej) {
                throw new IllegalStateException(rej.reason());
            }
        }
        throw new IllegalStateException("could not commit");
    }

    /** A person's commit of exact bytes and modes (null: delete), through JGit. Returns the commit id. */
    public String commitFiles(RepoRef repo, Map<String, RepoFile> files, String message) {
        List<FileChange> changes = new ArrayList<>();
        files.forEach((p, f) -> changes.add(f == null ? new FileChange.Delete(p) : new FileChange.Put(p, f)));
        for (int i = 0; i < 100; i++) {
            Optional<String> head = host.branchHead(repo, "main");
            CommitResult r = host.commit(repo, new CommitRequest("main", head, message, changes, ALICE));
            if (r instanceof CommitResult.Committed c) {
                return c.commitId();
            }
            if (r instanceof CommitResult.Rejected rej) {
                throw new IllegalStateException(rej.reason());
            }
        }
        throw new IllegalStateException("could not commit");
    }

    /** What a person does in a clone: {@code edit} changes the work tree, then add -A, commit and push. */
    public interface WorkTreeEdit {
        void edit(Path work) throws IOException;
    }

    public String gitPush(RepoRef repo, String message, WorkTreeEdit edit) throws IOException {
        Path work = Files.createTempDirectory(root, "clone-");
        git(root, "clone", "--quiet", host.gitDir(repo).toUri().toString(), work.toString());
        git(work, "config", "core.autocrlf", "false");
        edit.edit(work);
        git(work, "add", "-A");
        git(work, "commit", "--quiet", "-m", message);
        git(work, "push", "--quiet", "origin", "HEAD:refs/heads/main");
        return git(work, "rev-parse", "HEAD").strip();
    }

    /** One file at the branch head, bytes and mode; null when absent (or not a file). */
    public RepoFile repoFile(RepoRef repo, String path) {
        RepoSnapshot s = host.readBranch(repo, "main", FileSelection.paths(List.of(path))).orElseThrow();
        return s.file(path).orElse(null);
    }

    /** The repository's files at a branch head (every file). */
    public Map<String, String> read(RepoRef repo, String branch) {
        Optional<String> head = host.branchHead(repo, branch);
        if (head.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new java.util.TreeMap<>();
        try (Repository r = open(repo); RevWalk rw = new RevWalk(r);
             org.eclipse.jgit.treewalk.TreeWalk tw = new org.eclipse.jgit.treewalk.TreeWalk(r)) {
            tw.addTree(rw.parseCommit(ObjectId.fromString(head.get())).getTree());
            tw.setRecursive(true);
            while (tw.next()) {
                out.put(tw.getPathString(), new String(r.open(tw.getObjectId(0)).getBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    public String file(RepoRef repo, String path) {
        RepoSnapshot s = host.readBranch(repo, "main", FileSelection.paths(List.of(path))).orElseThrow();
        return s.file(path).map(RepoFile::utf8).orElse(null);
    }

    /** Commits on a branch, newest first. */
    public List<RevCommit> log(RepoRef repo, String branch) {
        List<RevCommit> out = new ArrayList<>();
        try (Repository r = open(repo); RevWalk rw = new RevWalk(r)) {
            ObjectId head = r.resolve(Constants.R_HEADS + branch);
            if (head == null) {
                return out;
            }
            rw.markStart(rw.parseCommit(head));
            for (RevCommit c : rw) {
                rw.parseBody(c);
                out.add(c);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Points {@code branch} at {@code commitId}, creating it: a person's {@code git branch -f}. */
    public void branch(RepoRef repo, String branch, String commitId) {
        try (Repository r = open(repo)) {
            org.eclipse.jgit.lib.RefUpdate u = r.updateRef(Constants.R_HEADS + branch);
            u.setNewObjectId(ObjectId.fromString(commitId));
            u.setForceUpdate(true);
            org.eclipse.jgit.lib.RefUpdate.Result result = u.update();
            if (result != org.eclipse.jgit.lib.RefUpdate.Result.NEW && result != org.eclipse.jgit.lib.RefUpdate.Result.FORCED
                    && result != org.eclipse.jgit.lib.RefUpdate.Result.NO_CHANGE) {
                throw new IllegalStateException("branch " + branch + ": " + result);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every ref of the repository and what it points at: to show that nothing was written. */
    public Map<String, String> refs(RepoRef repo) {
        Map<String, String> out = new java.util.TreeMap<>();
        try (Repository r = open(repo)) {
            for (org.eclipse.jgit.lib.Ref ref : r.getRefDatabase().getRefs()) {
                out.put(ref.getName(), ref.getObjectId() == null ? "" : ref.getObjectId().name());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    public Repository open(RepoRef repo) throws IOException {
        return new FileRepositoryBuilder().setGitDir(host.gitDir(repo).toFile()).setMustExist(true).build();
    }

    /**
     * Clones with the {@code git} command line, applies the files (null: delete), commits as Alice
     * and pushes: what a person does. Returns the pushed commit id.
     */
    public String gitPush(RepoRef repo, Map<String, String> files, String message) throws IOException {
        return gitPush(repo, "main", files, message);
    }

    public String gitPush(RepoRef repo, String branch, Map<String, String> files, String message) throws IOException {
        Path work = Files.createTempDirectory(root, "clone-");
        String url = host.gitDir(repo).toUri().toString();
        git(root, "clone", "--quiet", url, work.toString());
        boolean exists = !git(work, "ls-remote", "--heads", "origin", branch).isBlank();
        if (exists) {
            git(work, "checkout", "--quiet", branch);
        } else {
            git(work, "checkout", "--quiet", "-b", branch);
        }
        for (Map.Entry<String, String> e : files.entrySet()) {
            Path p = work.resolve(e.getKey());
            if (e.getValue() == null) {
                git(work, "rm", "--quiet", e.getKey());
            } else {
                Files.createDirectories(p.getParent());
                Files.writeString(p, e.getValue());
                git(work, "add", e.getKey());
            }
        }
        git(work, "commit", "--quiet", "-m", message);
        git(work, "push", "--quiet", "origin", "HEAD:refs/heads/" + branch);
        return git(work, "rev-parse", "HEAD").strip();
    }

    /** Runs {@code git} with a fixed identity; throws on a non-zero exit. */
    public static String git(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("git");
        cmd.add("-c");
        cmd.add("user.name=" + ALICE.name());
        cmd.add("-c");
        cmd.add("user.email=" + ALICE.email());
        cmd.add("-c");
        cmd.add("init.defaultBranch=main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("HOME", dir.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("git " + String.join(" ", args) + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (p.exitValue() != 0) {
            throw new IOException("git " + String.join(" ", args) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    @Override
    public void close() {
        host.close();
    }
}
