package dev.orgctl.testing.github;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A pull request of the fake. */
public final class FakePull {
    final long id;
    final int number;
    final FakeRepo repo;
    volatile String title;
    volatile String body;
    volatile String state;
    final String head;
    final String base;
    final Instant createdAt;
    volatile Instant updatedAt;
    volatile int comments;
    /** The comments' bodies by id, in order of creation (the fake's issue comments of this pull request). */
    final java.util.Map<Long, String> commentBodies = new java.util.concurrent.ConcurrentSkipListMap<>();
    volatile boolean draft;
    final List<String> labels = new CopyOnWriteArrayList<>();
    final List<String> requestedReviewers = new CopyOnWriteArrayList<>();
    final List<String> requestedTeams = new CopyOnWriteArrayList<>();
    final List<String> assignees = new CopyOnWriteArrayList<>();
    /** {@code MERGE}, {@code SQUASH} or {@code REBASE} once auto-merge is enabled; null while it is off. */
    volatile String autoMergeMethod;
    volatile Instant autoMergeEnabledAt;
    /** Set once merged ({@link FakeAutoMerge}): state is then {@code closed}. */
    volatile boolean merged;
    volatile Instant mergedAt;
    volatile String mergeCommitSha;
    /** Calls that added labels, requested reviews or assigned people: what "set once" is measured by. */
    final AtomicInteger settingsCalls = new AtomicInteger();

    FakePull(long id, int number, FakeRepo repo, String title, String body, String head, String base, Instant now) {
        this.id = id;
        this.number = number;
        this.repo = repo;
        this.title = title;
        this.body = body;
        this.state = "open";
        this.head = head;
        this.base = base;
        this.createdAt = now;
        this.updatedAt = now;
    }

    public int number() {
        return number;
    }

    public String title() {
        return title;
    }

    public String body() {
        return body;
    }

    public String state() {
        return state;
    }

    public String head() {
        return head;
    }

    public String base() {
        return base;
    }

    /** Someone closes it on GitHub's site. */
    public void close() {
        state = "closed";
    }

    /** The bodies of its comments, oldest first, as they read now. */
    public java.util.List<String> commentBodies() {
        return java.util.List.copyOf(commentBodies.values());
    }

    public int comments() {
        return comments;
    }

    public String nodeId() {
        return "PR_" + id;
    }

    public boolean draft() {
        return draft;
    }

    public List<String> labels() {
        return List.copyOf(labels);
    }

    /** A person removes a label, as in GitHub's web interface. */
    public void removeLabel(String name) {
        labels.remove(name);
    }

    public List<String> requestedReviewers() {
        return List.copyOf(requestedReviewers);
    }

    public List<String> requestedTeams() {
        return List.copyOf(requestedTeams);
    }

    public List<String> assignees() {
        return List.copyOf(assignees);
    }

    /** The merge method auto-merge was enabled with, or null. */
    public String autoMergeMethod() {
        return autoMergeMethod;
    }

    public boolean merged() {
        return merged;
    }

    /** The commit the merge made on the base branch, once merged. */
    public String mergeCommitSha() {
        return mergeCommitSha;
    }

    public int settingsCalls() {
        return settingsCalls.get();
    }
}
