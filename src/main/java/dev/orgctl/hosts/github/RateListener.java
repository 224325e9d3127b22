package dev.orgctl.hosts.github;

import java.time.Instant;

/** Told when orgctl waits for GitHub's limits, so long runs can show why they stand still. */
@FunctionalInterface
public interface RateListener {
    RateListener NONE = (reason, until) -> { };

    /** The calling thread waits until {@code until} because of {@code reason}. */
    void paused(String reason, Instant until);
}
