package dev.orgctl.hosts.github;

import dev.orgctl.hosts.CommitStamp;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the host remembers between calls, so an unchanged repository is not read twice: the last
 * snapshot read per branch (with the selection it was read for), snapshots per commit, and each
 * repository's GraphQL node id. After orgctl's own commit the branch snapshot is advanced to the
 * new commit by applying the changes, so the next reconcile of that repository reads nothing but
 * the (conditional) ref. Bounded: least recently used entries go first.
 */
final class SnapshotCache {
    record Entry(RepoSnapshot snapshot, FileSelection selection, String repositoryId) {
    }

    private final Map<String, Entry> branches;
    private final Map<String, RepoSnapshot> commits;
    private final Map<String, String> ids;
    private final Map<String, Proposal> proposals;

    /** What a read said about the proposal branch ({@code orgctl/regenerate}) and when. */
    record Proposal(Optional<String> head, java.time.Instant seen) {
    }

    SnapshotCache(int capacity) {
        this.branches = lru(capacity);
        this.commits = lru(capacity);
        this.ids = lru(capacity);
        this.proposals = lru(capacity);
    }

    synchronized Optional<Proposal> proposal(RepoRef repo) {
        return Optional.ofNullable(proposals.get(repo.fullName().toLowerCase(Locale.ROOT)));
    }

    synchronized void putProposal(RepoRef repo, Optional<String> head, java.time.Instant seen) {
        proposals.put(repo.fullName().toLowerCase(Locale.ROOT), new Proposal(head, seen));
    }

    private static <V> Map<String, V> lru(int capacity) {
        return new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > capacity;
            }
        };
    }

    private static String key(RepoRef repo, String branch) {
        return repo.fullName().toLowerCase(Locale.ROOT) + "\n" + branch;
    }

    synchronized Optional<Entry> branch(RepoRef repo, String branch, FileSelection selection) {
        Entry e = branches.get(key(repo, branch));
        return e != null && e.selection().equals(selection) ? Optional.of(e) : Optional.empty();
    }

    synchronized void putBranch(RepoRef repo, String branch, FileSelection selection, RepoSnapshot snap, String id) {
        branches.put(key(repo, branch), new Entry(snap, selection, id));
        if (id != null && !id.isEmpty()) {
            ids.put(repo.fullName().toLowerCase(Locale.ROOT), id);
        }
    }

    synchronized void forget(RepoRef repo, String branch) {
        branches.remove(key(repo, branch));
    }

    synchronized Optional<RepoSnapshot> commit(RepoRef repo, String commitId, FileSelection selection) {
        return Optional.ofNullable(commits.get(repo.fullName().toLowerCase(Locale.ROOT) + "\n" + commitId + "\n" + selection));
    }

    synchronized void putCommit(RepoRef repo, FileSelection selection, RepoSnapshot snap) {
        commits.put(repo.fullName().toLowerCase(Locale.ROOT) + "\n" + snap.commitId() + "\n" + selection, snap);
    }

    synchronized Optional<String> repositoryId(RepoRef repo) {
        return Optional.ofNullable(ids.get(repo.fullName().toLowerCase(Locale.ROOT)));
    }

    synchronized void putRepositoryId(RepoRef repo, String id) {
        if (id != null && !id.isEmpty()) {
            ids.put(repo.fullName().toLowerCase(Locale.ROOT), id);
        }
    }

    /** Our commit moved the branch from {@code parent} to {@code commit}: advance the snapshot. */
    synchronized void committed(RepoRef repo, String branch, String parent, String commit,
                                Iterable<FileChange> changes, CommitStamp stamp) {
        Entry e = branches.get(key(repo, branch));
        if (e == null || !e.snapshot().commitId().equals(parent)) {
            branches.remove(key(repo, branch));
            return;
        }
        Map<String, RepoFile> files = new HashMap<>(e.snapshot().files());
        for (FileChange c : changes) {
            if (c instanceof FileChange.Put p) {
                if (e.selection().matches(p.path())) {
                    // createCommitOnBranch writes regular files; the Git Data path keeps the mode asked for.
                    files.put(p.path(), p.file());
                }
            } else {
                files.remove(c.path());
            }
        }
        RepoSnapshot advanced = new RepoSnapshot(commit, files, e.snapshot().notFiles(), Optional.of(stamp));
        branches.put(key(repo, branch), new Entry(advanced, e.selection(), e.repositoryId()));
    }
}
