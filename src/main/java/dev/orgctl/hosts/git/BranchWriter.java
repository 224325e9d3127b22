package dev.orgctl.hosts.git;

import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.HostException;
import dev.orgctl.hosts.RepoFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
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

/**
 * The one way the git backend writes a commit onto a branch, for a regular commit and for a
 * proposal alike: the parent's tree with the changes applied (a {@link DirCache} in memory), one
 * commit, and a {@link RefUpdate} that names the head the caller read, so a concurrent push (by
 * orgctl or any git client) makes the update fail instead of being overwritten. Another writer's
 * ref lock is waited out while the head has not moved.
 */
final class BranchWriter implements AutoCloseable {
    private static final int LOCK_RETRIES = 20;

    /**
     * What to write.
     *
     * @param parent        the new commit's parent, null for a first commit
     * @param expectedOld   the head the branch must still have, null when it must not exist
     * @param force         whether the update may be other than a fast-forward (a branch rebuilt each time)
     */
    record Write(String refName, RevCommit parent, ObjectId expectedOld, List<FileChange> changes, String message,
                 CommitIdentity identity, String refLogMessage, boolean force) {
    }

    /** What came of a write. */
    sealed interface Outcome permits Written, Moved, Refused, Kept {
    }

    record Written(ObjectId commit) implements Outcome {
    }

    /** The branch is no longer at the expected head: the caller re-plans. */
    record Moved(Optional<ObjectId> now) implements Outcome {
    }

    /** A refusal that re-planning does not cure: changes that cannot apply, a ref update that fails. */
    record Refused(String reason) implements Outcome {
    }

    /** The caller's look at the new tree decided that there is nothing to write; {@code commit} is what stays. */
    record Kept(String commit) implements Outcome {
    }

    /** The caller's look at the new tree before a commit is made; empty to go on and write. */
    interface TreeCheck {
        Optional<Outcome> check(ObjectId tree) throws IOException;
    }

    private final Repository repo;
    private final ObjectInserter ins;
    private final RevWalk rw;

    BranchWriter(Repository repo) {
        this.repo = repo;
        this.ins = repo.newObjectInserter();
        this.rw = new RevWalk(repo);
    }

    RevCommit parse(ObjectId commit) throws IOException {
        return rw.parseCommit(commit);
    }

    Optional<ObjectId> head(String refName) throws IOException {
        return head(repo, refName);
    }

    static Optional<ObjectId> head(Repository r, String refName) throws IOException {
        Ref ref = r.getRefDatabase().exactRef(refName);
        return ref == null ? Optional.empty() : Optional.ofNullable(ref.getObjectId());
    }

    static boolean sameId(ObjectId a, ObjectId b) {
        return a == null ? b == null : b != null && a.equals(b);
    }

    Outcome write(Write w, TreeCheck check) throws IOException {
        ObjectId tree;
        try {
            tree = buildTree(w.parent(), w.changes());
        } catch (IllegalStateException | IllegalArgumentException e) {
            return new Refused("cannot apply the changes: " + e.getMessage());
        }
        Optional<Outcome> early = check.check(tree);
        if (early.isPresent()) {
            return early.get();
        }
        ObjectId commitId = insertCommit(tree, w.parent(), w.message(), w.identity());
        ins.flush();
        for (int attempt = 0; ; attempt++) {
            RefUpdate ru = repo.updateRef(w.refName());
            ru.setExpectedOldObjectId(w.expectedOld() == null ? ObjectId.zeroId() : w.expectedOld());
            ru.setNewObjectId(commitId);
            ru.setRefLogIdent(person(w.identity(), Instant.now()));
            ru.setRefLogMessage(w.refLogMessage(), false);
            ru.setForceUpdate(w.force());
            RefUpdate.Result result = ru.update(rw);
            if (result == RefUpdate.Result.NEW || result == RefUpdate.Result.FAST_FORWARD
                    || (w.force() && result == RefUpdate.Result.FORCED)) {
                return new Written(commitId);
            }
            Optional<ObjectId> now = head(w.refName());
            if (!sameId(now.orElse(null), w.expectedOld())) {
                return new Moved(now);
            }
            if (result != RefUpdate.Result.LOCK_FAILURE || attempt >= LOCK_RETRIES) {
                return new Refused("ref update of " + w.refName() + " failed: " + result
                        + (result == RefUpdate.Result.LOCK_FAILURE
                        ? " (is " + repo.getDirectory().toPath().resolve(w.refName() + ".lock") + " left over?)" : ""));
            }
            // Another writer holds the ref lock and has not moved the head (yet): wait and retry.
            sleep(5L + attempt * 5L);
        }
    }

    /** The parent's tree with the changes applied, written to the object database. */
    private ObjectId buildTree(RevCommit parent, List<FileChange> changes) throws IOException {
        DirCache dc = DirCache.newInCore();
        if (parent != null) {
            DirCacheBuilder b = dc.builder();
            try (ObjectReader reader = repo.newObjectReader()) {
                b.addTree(new byte[0], DirCacheEntry.STAGE_0, reader, parent.getTree());
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

    private static FileMode gitMode(RepoFile.Mode mode) {
        return switch (mode) {
            case EXECUTABLE -> FileMode.EXECUTABLE_FILE;
            case SYMLINK -> FileMode.SYMLINK;
            case REGULAR -> FileMode.REGULAR_FILE;
        };
    }

    private ObjectId insertCommit(ObjectId tree, RevCommit parent, String message, CommitIdentity identity)
            throws IOException {
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

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException("interrupted");
        }
    }

    @Override
    public void close() {
        rw.close();
        ins.close();
    }
}
