package dev.orgctl.testing.github;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.internal.storage.dfs.DfsRepositoryDescription;
import org.eclipse.jgit.internal.storage.dfs.InMemoryRepository;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/**
 * The fake's git object store: one JGit {@link InMemoryRepository} per repository, so commits,
 * trees and blobs have real ids and refs move with real compare-and-set.
 */
final class FakeGit {
    /** A file to write: content and git mode (0100644, 0100755, or 0120000 for a symlink to the content). */
    @SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
    record Blob(byte[] content, int mode) {
        Blob(byte[] content, boolean executable) {
            this(content, executable ? 0100755 : 0100644);
        }
    }

    /** The paths a commit added, modified and removed against its first parent. */
    record Changes(List<String> added, List<String> modified, List<String> removed) {
    }

    /** A tree entry: path, mode (octal as git writes it), type and object id. */
    record Entry(String path, int mode, String type, String oid) {
    }

    private final InMemoryRepository repo;

    FakeGit(String name) {
        this.repo = new InMemoryRepository(new DfsRepositoryDescription(name));
    }

    InMemoryRepository repository() {
        return repo;
    }

    Optional<String> ref(String name) {
        try {
            Ref r = repo.exactRef(name);
            return r == null || r.getObjectId() == null ? Optional.empty() : Optional.of(r.getObjectId().name());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Map<String, String> refs(String prefix) {
        try {
            Map<String, String> out = new LinkedHashMap<>();
            for (Ref r : repo.getRefDatabase().getRefsByPrefix(prefix)) {
                out.put(r.getName(), r.getObjectId().name());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Moves a ref only if it still points at {@code expected} (empty: must not exist). Returns
     * false when it did not. {@code newId} null deletes the ref.
     */
    synchronized boolean compareAndSet(String name, Optional<String> expected, String newId) {
        try {
            Optional<String> current = ref(name);
            if (!current.equals(expected)) {
                return false;
            }
            RefUpdate u = repo.updateRef(name);
            u.setExpectedOldObjectId(expected.map(ObjectId::fromString).orElse(ObjectId.zeroId()));
            u.setForceUpdate(true);
            if (newId == null) {
                RefUpdate.Result res = u.delete();
                return res == RefUpdate.Result.FORCED || res == RefUpdate.Result.NO_CHANGE;
            }
            u.setNewObjectId(ObjectId.fromString(newId));
            RefUpdate.Result res = u.update();
            return res == RefUpdate.Result.NEW || res == RefUpdate.Result.FORCED
                    || res == RefUpdate.Result.FAST_FORWARD || res == RefUpdate.Result.NO_CHANGE;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a commit: the tree of {@code parent} (or empty) with {@code puts} written and
     * {@code deletes} removed. Does not move any ref.
     */
    String commit(Optional<String> parent, Map<String, Blob> puts, List<String> deletes, PersonIdent author,
                  PersonIdent committer, String message) {
        try (ObjectInserter ins = repo.newObjectInserter(); ObjectReader reader = repo.newObjectReader();
             RevWalk rw = new RevWalk(reader)) {
            DirCache dc = DirCache.newInCore();
            DirCacheBuilder b = dc.builder();
            List<ObjectId> parents = new ArrayList<>();
            if (parent.isPresent()) {
                RevCommit p = rw.parseCommit(ObjectId.fromString(parent.get()));
                b.addTree(new byte[0], DirCacheEntry.STAGE_0, reader, p.getTree());
                parents.add(p);
            }
            b.finish();
            DirCacheEditor ed = dc.editor();
            for (String d : deletes) {
                ed.add(new DirCacheEditor.DeletePath(d));
            }
            for (Map.Entry<String, Blob> e : puts.entrySet()) {
                ObjectId blob = ins.insert(Constants.OBJ_BLOB, e.getValue().content());
                FileMode mode = FileMode.fromBits(e.getValue().mode());
                ed.add(new DirCacheEditor.PathEdit(e.getKey()) {
                    @Override
                    public void apply(DirCacheEntry ent) {
                        ent.setFileMode(mode);
                        ent.setObjectId(blob);
                    }
                });
            }
            ed.finish();
            ObjectId tree = dc.writeTree(ins);
            CommitBuilder cb = new CommitBuilder();
            cb.setTreeId(tree);
            cb.setParentIds(parents);
            cb.setAuthor(author);
            cb.setCommitter(committer);
            cb.setMessage(message);
            ObjectId id = ins.insert(cb);
            ins.flush();
            return id.name();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A commit from an explicit tree and parents (the REST Git Data API). */
    String commitTree(String tree, List<String> parents, PersonIdent author, PersonIdent committer, String message) {
        try (ObjectInserter ins = repo.newObjectInserter()) {
            CommitBuilder cb = new CommitBuilder();
            cb.setTreeId(ObjectId.fromString(tree));
            cb.setParentIds(parents.stream().map(ObjectId::fromString).toList());
            cb.setAuthor(author);
            cb.setCommitter(committer);
            cb.setMessage(message);
            ObjectId id = ins.insert(cb);
            ins.flush();
            return id.name();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A tree: {@code base} (a tree id, or none) with entries set (sha/content) or removed (sha null). */
    String tree(Optional<String> base, List<TreeEdit> edits) {
        try (ObjectInserter ins = repo.newObjectInserter(); ObjectReader reader = repo.newObjectReader()) {
            DirCache dc = DirCache.newInCore();
            DirCacheBuilder b = dc.builder();
            if (base.isPresent()) {
                b.addTree(new byte[0], DirCacheEntry.STAGE_0, reader, ObjectId.fromString(base.get()));
            }
            b.finish();
            DirCacheEditor ed = dc.editor();
            for (TreeEdit e : edits) {
                if (e.blob() == null) {
                    ed.add(new DirCacheEditor.DeletePath(e.path()));
                    continue;
                }
                ObjectId blob = ObjectId.fromString(e.blob());
                FileMode mode = FileMode.fromBits(e.mode());
                ed.add(new DirCacheEditor.PathEdit(e.path()) {
                    @Override
                    public void apply(DirCacheEntry ent) {
                        ent.setFileMode(mode);
                        ent.setObjectId(blob);
                    }
                });
            }
            ed.finish();
            ObjectId tree = dc.writeTree(ins);
            ins.flush();
            return tree.name();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One edit of {@link #tree}: blob null removes the path. */
    record TreeEdit(String path, int mode, String blob) {
    }

    String insertBlob(byte[] content) {
        try (ObjectInserter ins = repo.newObjectInserter()) {
            ObjectId id = ins.insert(Constants.OBJ_BLOB, content);
            ins.flush();
            return id.name();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean exists(String oid, int type) {
        try (ObjectReader reader = repo.newObjectReader()) {
            if (!ObjectId.isId(oid)) {
                return false;
            }
            ObjectId id = ObjectId.fromString(oid);
            return reader.has(id) && reader.open(id).getType() == type;
        } catch (IOException e) {
            return false;
        }
    }

    Optional<byte[]> blob(String oid) {
        try (ObjectReader reader = repo.newObjectReader()) {
            if (!exists(oid, Constants.OBJ_BLOB)) {
                return Optional.empty();
            }
            return Optional.of(reader.open(ObjectId.fromString(oid)).getBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RevCommit parse(String commit) {
        try (RevWalk rw = new RevWalk(repo)) {
            RevCommit c = rw.parseCommit(ObjectId.fromString(commit));
            rw.parseBody(c);
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The entry at {@code path} in a commit, or empty. */
    Optional<Entry> entry(String commit, String path) {
        try (ObjectReader reader = repo.newObjectReader(); RevWalk rw = new RevWalk(reader)) {
            RevCommit c = rw.parseCommit(ObjectId.fromString(commit));
            try (TreeWalk tw = TreeWalk.forPath(reader, path, c.getTree())) {
                if (tw == null) {
                    return Optional.empty();
                }
                return Optional.of(entryOf(tw));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The direct children of a tree. */
    List<Entry> children(String tree, String treePath) {
        try (ObjectReader reader = repo.newObjectReader(); TreeWalk tw = new TreeWalk(reader)) {
            tw.addTree(ObjectId.fromString(tree));
            tw.setRecursive(false);
            List<Entry> out = new ArrayList<>();
            while (tw.next()) {
                Entry e = entryOf(tw);
                out.add(new Entry(treePath.isEmpty() ? e.path() : treePath + "/" + e.path(), e.mode(), e.type(), e.oid()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every file of a commit (recursive), path to entry. */
    Map<String, Entry> files(String commit) {
        try (ObjectReader reader = repo.newObjectReader(); RevWalk rw = new RevWalk(reader);
             TreeWalk tw = new TreeWalk(reader)) {
            RevCommit c = rw.parseCommit(ObjectId.fromString(commit));
            tw.addTree(c.getTree());
            tw.setRecursive(true);
            Map<String, Entry> out = new LinkedHashMap<>();
            while (tw.next()) {
                out.put(tw.getPathString(), entryOf(tw));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Files under a directory of a commit, recursively. */
    Map<String, Entry> filesUnder(String commit, String dir) {
        try (ObjectReader reader = repo.newObjectReader(); RevWalk rw = new RevWalk(reader);
             TreeWalk tw = new TreeWalk(reader)) {
            RevCommit c = rw.parseCommit(ObjectId.fromString(commit));
            tw.addTree(c.getTree());
            tw.setRecursive(true);
            tw.setFilter(PathFilter.create(dir));
            Map<String, Entry> out = new LinkedHashMap<>();
            while (tw.next()) {
                out.put(tw.getPathString(), entryOf(tw));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Entry entryOf(TreeWalk tw) {
        FileMode m = tw.getFileMode(0);
        String type = m == FileMode.TREE ? "tree" : m == FileMode.GITLINK ? "commit" : "blob";
        return new Entry(tw.getPathString(), m.getBits(), type, tw.getObjectId(0).name());
    }

    /** Commits reachable from {@code after} but not from {@code before}, oldest first. */
    List<RevCommit> between(Optional<String> before, String after) {
        try (RevWalk rw = new RevWalk(repo)) {
            rw.markStart(rw.parseCommit(ObjectId.fromString(after)));
            if (before.isPresent()) {
                rw.markUninteresting(rw.parseCommit(ObjectId.fromString(before.get())));
            }
            List<RevCommit> out = new ArrayList<>();
            for (RevCommit c : rw) {
                rw.parseBody(c);
                out.add(0, c);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@code ancestor} is reachable from {@code commit}. */
    boolean isAncestor(String ancestor, String commit) {
        try (RevWalk rw = new RevWalk(repo)) {
            return rw.isMergedInto(rw.parseCommit(ObjectId.fromString(ancestor)),
                    rw.parseCommit(ObjectId.fromString(commit)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a commit changed against its first parent (or everything, for a root commit). */
    Changes changes(RevCommit c) {
        List<String> added = new ArrayList<>();
        List<String> modified = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        Map<String, Entry> now = files(c.name());
        Map<String, Entry> before = c.getParentCount() == 0 ? Map.of() : files(c.getParent(0).name());
        for (Map.Entry<String, Entry> e : now.entrySet()) {
            Entry old = before.get(e.getKey());
            if (old == null) {
                added.add(e.getKey());
            } else if (!old.oid().equals(e.getValue().oid()) || old.mode() != e.getValue().mode()) {
                modified.add(e.getKey());
            }
        }
        for (String p : before.keySet()) {
            if (!now.containsKey(p)) {
                removed.add(p);
            }
        }
        return new Changes(added, modified, removed);
    }

    static byte[] load(ObjectLoader l) {
        return l.getBytes();
    }
}
