package dev.orgctl.regen;

import dev.orgctl.hosts.CommitStamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The lock a run holds while it writes a repository: the lock's fencing token (written into the
 * commit as {@code Orgctl-Fence}) and since when the run holds it.
 *
 * <p>Tokens grow with every holding of any lock in the bucket, so a head written under a larger
 * token than ours was written by a holding that began after ours: our lock was taken over (its
 * lease ran out while we were cut off or stalled), and committing on top would overwrite the
 * newer holder's work with ours. A head committed well before our holding began cannot be a
 * newer holder's; its larger token comes from a lock bucket that has since been recreated (tokens
 * start again at 1), and it is not held against us.
 *
 * @param token the lock's fencing token
 * @param since when the lock was taken (the holder's clock)
 */
public record Fence(long token, Instant since) {
    /** How far the clocks of orgctl's hosts and of the repository host may disagree. */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    public Fence {
        if (token < 1) {
            throw new IllegalArgumentException("a fencing token is at least 1: " + token);
        }
        Objects.requireNonNull(since, "since");
    }

    /**
     * Why no commit may be made on {@code base} under this fence: it was written under a newer
     * token. Empty when it may (no token, an older or equal one, or a commit from before our
     * holding).
     */
    public Optional<String> overtakenBy(CommitStamp base) {
        String theirs = Provenance.trailers(base.message()).get(Provenance.FENCE);
        if (theirs == null || !theirs.matches("[0-9]{1,18}")) {
            return Optional.empty();
        }
        long t = Long.parseLong(theirs);
        if (t <= token || base.committedAt().isBefore(since.minus(CLOCK_SKEW))) {
            return Optional.empty();
        }
        return Optional.of("the head was committed under lock token " + t + ", newer than this run's " + token
                + ": another holder took the lock over since (this run's lease ran out); nothing written");
    }
}
