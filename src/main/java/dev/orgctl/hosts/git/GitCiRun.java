package dev.orgctl.hosts.git;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.CheckSuitePayloads.Conclusion;
import dev.orgctl.hosts.git.CheckSuitePayloads.HeadCommit;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * One run of a commit's {@code .orgctl/ci}: the commit's files written to a temporary directory
 * (no {@code .git}; deleted after), the script started there with a small environment, its output
 * kept (capped) in the log, and the exit code (or the timeout) turned into a conclusion. Every way
 * the run cannot start (the file not executable, a checkout or exec failure) is a failure whose
 * reason is in the log, so a person reading the log learns why.
 */
final class GitCiRun {
    /** What a run's output may fill in the log; the rest is counted, not kept. */
    static final int MAX_OUTPUT = 1 << 20;
    /** Variables passed from orgctl's environment; nothing else (tokens and secrets stay out). */
    private static final List<String> PASSED_ENV = List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER",
            "LOGNAME");
    /** How long output may still arrive after the script ended (a background child holding the pipe). */
    private static final Duration DRAIN = Duration.ofSeconds(2);

    /** The result of a run that happened. */
    record Outcome(HeadCommit head, Conclusion conclusion, Instant startedAt, Instant completedAt) {
    }

    private GitCiRun() {
    }

    /**
     * Runs the CI of {@code sha}, writing its log to {@code log} (atomically, once complete).
     *
     * @return empty when the commit has no {@code .orgctl/ci} (no CI configured: no log either)
     * @throws IOException when the repository or the log cannot be read or written
     * @throws InterruptedException when orgctl stops during the run (the script is killed, no log kept)
     */
    static Optional<Outcome> run(Path gitDir, RepoRef repo, String sha, Duration timeout, Path log)
            throws IOException, InterruptedException {
        try (Repository git = new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setMustExist(true).build();
             RevWalk rw = new RevWalk(git)) {
            RevCommit commit = rw.parseCommit(ObjectId.fromString(sha));
            FileMode mode;
            try (TreeWalk script = TreeWalk.forPath(git, GitCi.SCRIPT, commit.getTree())) {
                if (script == null) {
                    return Optional.empty();
                }
                mode = script.getFileMode(0);
            }
            Instant started = Instant.now();
            Files.createDirectories(log.getParent());
            Path part = log.resolveSibling(log.getFileName() + ".part");
            Conclusion conclusion;
            try (OutputStream out = Files.newOutputStream(part)) {
                line(out, "orgctl simulated CI: " + repo.fullName() + " at " + sha);
                line(out, "started " + PushPayloads.iso(started));
                line(out, "");
                conclusion = execute(git, commit, mode, repo, timeout, out);
                Duration took = Duration.between(started, Instant.now());
                line(out, "");
                line(out, String.format(Locale.ROOT, "conclusion: %s (%.1f s)", conclusion.apiName(),
                        took.toMillis() / 1000.0));
            } catch (InterruptedException | IOException | RuntimeException e) {
                Files.deleteIfExists(part);
                throw e;
            }
            Files.move(part, log, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(new Outcome(head(commit), conclusion, started, Instant.now()));
        }
    }

    private static Conclusion execute(Repository git, RevCommit commit, FileMode mode, RepoRef repo, Duration timeout,
                                      OutputStream out) throws IOException, InterruptedException {
        if (!FileMode.EXECUTABLE_FILE.equals(mode)) {
            line(out, GitCi.SCRIPT + " is not an executable file (git mode " + mode + ", expected 100755): "
                    + "make it one with 'git update-index --chmod=+x " + GitCi.SCRIPT + "' and push again");
            return Conclusion.FAILURE;
        }
        Path checkout = Files.createTempDirectory("orgctl-ci-");
        try {
            try {
                TreeExport.write(git, commit.getTree(), checkout);
            } catch (IOException e) {
                line(out, "cannot check out " + commit.name() + ": " + e.getMessage());
                return Conclusion.FAILURE;
            }
            return runScript(checkout, repo, commit.name(), timeout, out);
        } finally {
            TreeExport.delete(checkout);
        }
    }

    private static Conclusion runScript(Path checkout, RepoRef repo, String sha, Duration timeout, OutputStream out)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(checkout.resolve(GitCi.SCRIPT).toString()).directory(checkout.toFile())
                .redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.clear();
        for (String name : PASSED_ENV) {
            String v = System.getenv(name);
            if (v != null) {
                env.put(name, v);
            }
        }
        env.put("CI", "true");
        env.put("ORGCTL_CI_REPO", repo.fullName());
        env.put("ORGCTL_CI_SHA", sha);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            line(out, "cannot start " + GitCi.SCRIPT + ": " + e.getMessage());
            return Conclusion.FAILURE;
        }
        p.getOutputStream().close(); // stdin closed: a script that reads it gets end of input, not a hang
        CappedOutput captured = new CappedOutput(MAX_OUTPUT);
        Thread pump = new Thread(() -> captured.drain(p.getInputStream()), "git-ci-output");
        pump.setDaemon(true);
        pump.start();
        boolean ended;
        try {
            ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            killTree(p);
            throw e;
        }
        if (!ended) {
            killTree(p);
        }
        pump.join(DRAIN.toMillis());
        captured.writeTo(out);
        if (pump.isAlive()) {
            line(out, "[output still open after the script ended (a background process?); the rest is not kept]");
        }
        if (!ended) {
            line(out, "[killed after the timeout of " + timeout.toSeconds() + " s]");
            return Conclusion.TIMED_OUT;
        }
        line(out, "[exit code " + p.exitValue() + "]");
        return p.exitValue() == 0 ? Conclusion.SUCCESS : Conclusion.FAILURE;
    }

    /** Kills the script and everything it started (its children would otherwise keep the output open). */
    private static void killTree(Process p) throws InterruptedException {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        p.waitFor(10, TimeUnit.SECONDS);
    }

    private static HeadCommit head(RevCommit c) {
        PersonIdent a = c.getAuthorIdent();
        PersonIdent k = c.getCommitterIdent();
        return new HeadCommit(c.name(), c.getTree().name(), c.getFullMessage(),
                OffsetDateTime.ofInstant(a.getWhenAsInstant(), a.getZoneId()),
                new PushPayloads.Person(a.getName(), a.getEmailAddress()),
                new PushPayloads.Person(k.getName(), k.getEmailAddress()));
    }

    private static void line(OutputStream out, String s) throws IOException {
        out.write((s + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The first {@code max} bytes of a stream, kept; the rest read and counted so the writer never blocks. */
    static final class CappedOutput {
        private final byte[] kept;
        private int size;
        private long dropped;

        CappedOutput(int max) {
            this.kept = new byte[max];
        }

        void drain(InputStream in) {
            byte[] buf = new byte[8192];
            try (in) {
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    append(buf, n);
                }
            } catch (IOException e) {
                // the process is gone and its pipe with it: what was read is kept
            }
        }

        private synchronized void append(byte[] buf, int n) {
            int take = Math.min(n, kept.length - size);
            System.arraycopy(buf, 0, kept, size, take);
            size += take;
            dropped += n - take;
        }

        synchronized void writeTo(OutputStream out) throws IOException {
            out.write(kept, 0, size);
            if (size > 0 && kept[size - 1] != '\n') {
                out.write('\n');
            }
            if (dropped > 0) {
                line(out, "[output truncated: " + dropped + " more bytes after the first " + kept.length + "]");
            }
        }
    }

    /** Writes a commit's tree into a directory, and removes such a directory again. */
    static final class TreeExport {
        private TreeExport() {
        }

        static void write(Repository git, ObjectId tree, Path dir) throws IOException {
            Path root = dir.toAbsolutePath().normalize();
            try (TreeWalk tw = new TreeWalk(git)) {
                tw.addTree(tree);
                tw.setRecursive(true);
                while (tw.next()) {
                    Path target = root.resolve(tw.getPathString()).normalize();
                    if (!target.startsWith(root) || target.equals(root)) {
                        throw new IOException("path outside the checkout: " + tw.getPathString());
                    }
                    Files.createDirectories(target.getParent());
                    FileMode mode = tw.getFileMode(0);
                    if (FileMode.GITLINK.equals(mode)) {
                        Files.createDirectories(target); // a submodule: not fetched, an empty folder as git leaves it
                    } else if (FileMode.SYMLINK.equals(mode)) {
                        String to = new String(git.open(tw.getObjectId(0)).getBytes(), StandardCharsets.UTF_8);
                        Files.createSymbolicLink(target, Path.of(to));
                    } else {
                        try (OutputStream o = Files.newOutputStream(target)) {
                            git.open(tw.getObjectId(0)).copyTo(o);
                        }
                        if (FileMode.EXECUTABLE_FILE.equals(mode)) {
                            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                        }
                    }
                }
            }
        }

        /** Deletes the directory; links are removed, never followed. */
        static void delete(Path dir) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // a temporary directory: the system's cleaner takes what is left
            }
        }
    }
}
