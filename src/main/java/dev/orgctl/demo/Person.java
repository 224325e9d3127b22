package dev.orgctl.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.transport.PushResult;
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
        Path dir;
        try {
            dir = Files.createTempDirectory(workspace, "clone-");
        } catch (IOException e) {
            throw new DemoFailure("cannot create a working copy: " + e.getMessage());
        }
        try (Git git = Git.cloneRepository().setURI(bareRepo.toUri().toString()).setDirectory(dir.toFile()).call()) {
            Path file = dir.resolve(path);
            String before = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
            Files.createDirectories(file.getParent());
            Files.writeString(file, edit.apply(before), StandardCharsets.UTF_8);
            git.add().addFilepattern(path).call();
            String id = git.commit().setMessage(message).setAuthor(ident).setCommitter(ident).call().getName();
            for (PushResult r : git.push().call()) {
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
