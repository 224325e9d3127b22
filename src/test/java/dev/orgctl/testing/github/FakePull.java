package dev.orgctl.testing.github;

import java.time.Instant;

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
}
