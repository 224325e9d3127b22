package dev.orgctl.hosts.github;

import java.time.Duration;

/**
 * The content-creation budget a write takes a token from before it is sent. One process can use
 * {@link LocalWriteBudget}; replicas acting for the same org share {@link NatsWriteBudget}, so
 * together they never exceed GitHub's ceiling.
 */
public interface WriteBudget {
    /** Blocks until one content-creating request may be sent; returns how long it waited. */
    Duration acquire() throws InterruptedException;

    /** No ceiling ({@code ORGCTL_GITHUB_WRITE_BUDGET=off}): for GitHub Enterprise Server without one. */
    WriteBudget UNLIMITED = () -> Duration.ZERO;
}
