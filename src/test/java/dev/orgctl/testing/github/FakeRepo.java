package dev.orgctl.testing.github;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jgit.revwalk.RevCommit;

/** A repository of the fake: metadata, git objects and refs (JGit in memory), pull requests, counters. */
public final class FakeRepo {
    final FakeOrg org;
    final long id;
    final String name;
    volatile String visibility;
    volatile String defaultBranch;
    volatile List<String> topics;
    volatile String language;
    volatile boolean archived;
    /** The repository setting "Allow auto-merge" ({@code Repository.autoMergeAllowed}); off by default, as on GitHub. */
    volatile boolean autoMergeAllowed;
    final Instant createdAt;
    volatile Instant pushedAt;
    final FakeGit git;
    final List<FakePull> pulls = new CopyOnWriteArrayList<>();
    final Set<String> verified = ConcurrentHashMap.newKeySet();
    final AtomicLong reads = new AtomicLong();
    final AtomicLong writes = new AtomicLong();
    final AtomicLong notModified = new AtomicLong();

    FakeRepo(FakeOrg org, long id, RepoSpec spec, Instant now) {
        this.org = org;
        this.id = id;
        this.name = spec.name();
        this.visibility = spec.visibility();
        this.defaultBranch = spec.defaultBranch();
        this.topics = List.copyOf(spec.topics());
        this.language = spec.language();
        this.archived = spec.archived();
        this.createdAt = now;
        this.pushedAt = now;
        this.git = new FakeGit(org.login + "/" + name);
    }

    public String name() {
        return name;
    }

    public String fullName() {
        return org.login + "/" + name;
    }

    public long id() {
        return id;
    }

    public String nodeId() {
        return "R_" + id;
    }

    public String defaultBranch() {
        return defaultBranch;
    }

    public void setTopics(String... t) {
        topics = List.of(t);
    }

    public void setArchived(boolean a) {
        archived = a;
    }

    public void setAutoMergeAllowed(boolean allowed) {
        autoMergeAllowed = allowed;
    }

    /** The commit a branch points at. */
    public Optional<String> head(String branch) {
        return git.ref("refs/heads/" + branch);
    }

    public String requireHead(String branch) {
        return head(branch).orElseThrow(() -> new IllegalStateException(fullName() + " has no branch " + branch));
    }

    /** A file's text on a branch (or at a commit id). */
    public Optional<String> file(String branchOrCommit, String path) {
        Optional<String> commit = resolve(branchOrCommit);
        if (commit.isEmpty()) {
            return Optional.empty();
        }
        return git.entry(commit.get(), path).filter(e -> e.type().equals("blob"))
                .flatMap(e -> git.blob(e.oid())).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    /** The git mode of a file ({@code 0100644} or {@code 0100755}). */
    public Optional<Integer> fileMode(String branchOrCommit, String path) {
        return resolve(branchOrCommit).flatMap(c -> git.entry(c, path)).map(FakeGit.Entry::mode);
    }

    /** Every file's text on a branch. */
    public Map<String, String> files(String branchOrCommit) {
        Map<String, String> out = new LinkedHashMap<>();
        resolve(branchOrCommit).ifPresent(c -> git.files(c).forEach((p, e) ->
                out.put(p, new String(git.blob(e.oid()).orElse(new byte[0]), StandardCharsets.UTF_8))));
        return out;
    }

    /** The commits of a branch, newest first (id and full message). */
    public List<CommitInfo> log(String branch) {
        List<CommitInfo> out = new ArrayList<>();
        head(branch).ifPresent(h -> {
            for (RevCommit c : git.between(Optional.empty(), h)) {
                out.add(0, info(c));
            }
        });
        return out;
    }

    public CommitInfo commit(String sha) {
        return info(git.parse(sha));
    }

    private CommitInfo info(RevCommit c) {
        return new CommitInfo(c.name(), c.getFullMessage(), c.getAuthorIdent().getName(),
                c.getCommitterIdent().getName(), c.getParentCount() == 0 ? List.of()
                : java.util.Arrays.stream(c.getParents()).map(RevCommit::name).toList(), verified.contains(c.name()));
    }

    /** A commit as tests see it. */
    public record CommitInfo(String id, String message, String author, String committer, List<String> parents,
                             boolean verified) {
    }

    /**
     * A person pushes one commit to {@code branch} (as {@code git push} would): files written,
     * paths deleted. The push webhook goes to the org's hooks. Returns the new commit id.
     */
    public String push(String branch, Person who, String message, Map<String, String> files, List<String> deletions) {
        return org.fake.writes.pushAs(this, branch, who, message, files, deletions);
    }

    /** A push of raw bytes: binary files, and {@code executable} paths written with mode 100755. */
    public String pushRaw(String branch, Person who, String message, Map<String, byte[]> files,
                          Set<String> executable) {
        Map<String, FakeGit.Blob> blobs = new LinkedHashMap<>();
        files.forEach((p, b) -> blobs.put(p, new FakeGit.Blob(b, executable.contains(p))));
        return org.fake.writes.pushBlobs(this, branch, who, message, blobs, List.of());
    }

    /** A push of symlinks: each path a link to its target, mode 120000. */
    public String pushSymlinks(String branch, Person who, String message, Map<String, String> links) {
        Map<String, FakeGit.Blob> blobs = new LinkedHashMap<>();
        links.forEach((p, target) -> blobs.put(p, new FakeGit.Blob(target.getBytes(StandardCharsets.UTF_8), 0120000)));
        return org.fake.writes.pushBlobs(this, branch, who, message, blobs, List.of());
    }

    public String push(String branch, Person who, String message, Map<String, String> files) {
        return push(branch, who, message, files, List.of());
    }

    /** A person creates branch {@code name} at the head of {@code from} (a push that creates a ref). */
    public String createBranch(String name, String from, Person who) {
        String at = requireHead(from);
        if (!git.compareAndSet("refs/heads/" + name, Optional.empty(), at)) {
            throw new IllegalArgumentException(fullName() + " already has a branch " + name);
        }
        org.fake.webhooks.push(this, "refs/heads/" + name, Optional.empty(), Optional.of(at), FakeWebhooks.Actor.of(who));
        return at;
    }

    /** A person opens a pull request from {@code head} into {@code base}; webhooks get {@code pull_request opened}. */
    public FakePull openPull(String head, String base, Person who, String title) {
        return org.fake.pullEvents.open(this, head, base, who, title);
    }

    /** Someone clicks "Re-run all checks" on {@code headSha} for the App {@code appId}'s suite: {@code check_suite rerequested}. */
    public void rerequestChecks(String headSha, long appId, Person who) {
        org.fake.pullEvents.rerequest(this, headSha, appId, who);
    }

    public List<FakePull> pulls() {
        return List.copyOf(pulls);
    }

    public List<FakePull> openPulls() {
        return pulls.stream().filter(p -> p.state.equals("open")).toList();
    }

    /** API calls the fake answered for this repository. */
    public RepoStats stats() {
        return new RepoStats(reads.get(), writes.get(), notModified.get());
    }

    void resetStats() {
        reads.set(0);
        writes.set(0);
        notModified.set(0);
    }

    Optional<String> resolve(String branchOrCommit) {
        if (branchOrCommit.matches("[0-9a-f]{40}")) {
            return Optional.of(branchOrCommit);
        }
        return head(branchOrCommit);
    }
}
