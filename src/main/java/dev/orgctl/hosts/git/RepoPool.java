package dev.orgctl.hosts.git;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * A bounded pool of open bare repositories, least recently used first out, so a run over 1,000
 * repositories neither reopens each one per call nor keeps all of them open. Leases count
 * references (JGit's use count): an evicted repository closes when its last lease ends.
 */
final class RepoPool implements AutoCloseable {
    private final int capacity;
    private final LinkedHashMap<Path, Repository> open = new LinkedHashMap<>(16, 0.75f, true);
    private boolean closed;

    RepoPool(int capacity) {
        this.capacity = capacity;
    }

    /** A lease on an open repository; closing it releases the lease, not necessarily the repository. */
    record Lease(Repository repo) implements AutoCloseable {
        @Override
        public void close() {
            repo.close();
        }
    }

    Lease acquire(Path gitDir) throws IOException {
        Path key = gitDir.toAbsolutePath().normalize();
        List<Repository> evicted = new ArrayList<>();
        Repository r;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("repository pool closed");
            }
            r = open.get(key);
            if (r == null) {
                r = new FileRepositoryBuilder().setGitDir(key.toFile()).setMustExist(true).build();
                open.put(key, r);
                Iterator<Map.Entry<Path, Repository>> it = open.entrySet().iterator();
                while (open.size() > capacity && it.hasNext()) {
                    Map.Entry<Path, Repository> e = it.next();
                    if (e.getValue() != r) {
                        evicted.add(e.getValue());
                        it.remove();
                    }
                }
            }
            r.incrementOpen();
        }
        for (Repository e : evicted) {
            e.close();
        }
        return new Lease(r);
    }

    /** Forgets a repository (deleted or re-created on disk). */
    void forget(Path gitDir) {
        Repository r;
        synchronized (this) {
            r = open.remove(gitDir.toAbsolutePath().normalize());
        }
        if (r != null) {
            r.close();
        }
    }

    @Override
    public void close() {
        List<Repository> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(open.values());
            open.clear();
        }
        for (Repository r : all) {
            r.close();
        }
    }
}
