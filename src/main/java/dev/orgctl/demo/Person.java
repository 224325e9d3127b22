package dev.orgctl.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.MergeCommand;
import org.eclipse.jgit.api.MergeResult;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;

/**
 * A person working the way people do: clone, edit a file, commit, push — through the git
 * protocol, so orgctl sees nothing but what arrives in the bare repository.
 */
final class Person {
    private final PersonIdent ident;
    private final Path workspace;

    Person(String name, String email, Path workspace) {
        this.ident = new PersonIdent(name, email);
        this.workspace = workspace;
    }

    String name() {
        return ident.getName();
    }

    /** Clones, rewrites one file with {@code edit} (its current text, "" when missing), commits and pushes. */
    String edit(Path bareRepo, String path, UnaryOperator<String> edit, String message) {
        return work(bareRepo, git -> commitEdit(git, path, edit, message), new RefSpec("HEAD:refs/heads/main"));
    }

    /** Clones, rewrites several files (each with its own edit), commits them as one change and pushes. */
    String editAll(Path bareRepo, Map<String, UnaryOperator<String>> edits, String message) {
        return work(bareRepo, git -> {
            for (Map.Entry<String, UnaryOperator<String>> e : edits.entrySet()) {
                write(git, e.getKey(), e.getValue(), false);
            }
            return commit(git, message);
        }, new RefSpec("HEAD:refs/heads/main"));
    }

    /** Clones, adds {@code path} as an executable file (git mode 100755) holding {@code text}, commits and pushes. */
    String addExecutable(Path bareRepo, String path, String text, String message) {
        return work(bareRepo, git -> {
            write(git, path, t -> text, true);
            return commit(git, message);
        }, new RefSpec("HEAD:refs/heads/main"));
    }

    /**
     * The same on {@code branch}, created from the default branch when it does not exist yet: how a
     * person proposes a change before it is merged.
     */
    String editOnBranch(Path bareRepo, String branch, String path, UnaryOperator<String> edit, String message) {
        return work(bareRepo, git -> {
            boolean exists = git.getRepository().findRef(Constants.R_REMOTES + "origin/" + branch) != null;
            git.checkout().setCreateBranch(true).setName(branch)
                    .setStartPoint("origin/" + (exists ? branch : git.getRepository().getBranch())).call();
            return commitEdit(git, path, edit, message);
        }, new RefSpec("HEAD:" + Constants.R_HEADS + branch));
    }

    /** Merges {@code branch} into the default branch (fast-forward) and pushes: the change is merged. */
    String merge(Path bareRepo, String branch) {
        return work(bareRepo, git -> {
            ObjectId tip = git.getRepository().resolve("origin/" + branch);
            if (tip == null) {
                throw new DemoFailure("no branch " + branch + " to merge");
            }
            MergeResult m = git.merge().include(tip).setFastForward(MergeCommand.FastForwardMode.FF_ONLY).call();
            if (!m.getMergeStatus().isSuccessful()) {
                throw new DemoFailure("cannot merge " + branch + ": " + m.getMergeStatus());
            }
            return tip.getName();
        }, new RefSpec("HEAD:refs/heads/main"));
    }

    /** What a person does in a working copy; returns the commit to report. */
    @FunctionalInterface
    private interface Work {
        String in(Git git) throws GitAPIException, IOException;
    }

    private String work(Path bareRepo, Work work, RefSpec push) {
        Path dir;
        try {
            dir = Files.createTempDirectory(workspace, "clone-");
        } catch (IOException e) {
            throw new DemoFailure("cannot create a working copy: " + e.getMessage());
        }
        try (Git git = Git.cloneRepository().setURI(bareRepo.toUri().toString()).setDirectory(dir.toFile()).call()) {
            String id = work.in(git);
            for (PushResult r : git.push().setRefSpecs(push).call()) {
                for (RemoteRefUpdate u : r.getRemoteUpdates()) {
                    if (u.getStatus() != RemoteRefUpdate.Status.OK && u.getStatus() != RemoteRefUpdate.Status.UP_TO_DATE) {
                        throw new DemoFailure("push to " + bareRepo.getFileName() + " refused: " + u.getStatus());
                    }
                }
            }
            return id;
        } catch (GitAPIException | IOException e) {
            throw new DemoFailure("git failed for " + bareRepo.getFileName() + ": " + e.getMessage());
        } finally {
            deleteTree(dir);
        }
    }

    private String commitEdit(Git git, String path, UnaryOperator<String> edit, String message)
            throws GitAPIException, IOException {
        write(git, path, edit, false);
        return commit(git, message);
    }

    private static void write(Git git, String path, UnaryOperator<String> edit, boolean executable)
            throws GitAPIException, IOException {
        Path file = git.getRepository().getWorkTree().toPath().resolve(path);
        String before = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        Files.createDirectories(file.getParent());
        Files.writeString(file, edit.apply(before), StandardCharsets.UTF_8);
        if (executable) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x")); // JGit records 100755
        }
        git.add().addFilepattern(path).call();
    }

    private String commit(Git git, String message) throws GitAPIException {
        return git.commit().setMessage(message).setAuthor(ident).setCommitter(ident).call().getName();
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temporary files
        }
    }
}
