package dev.orgctl.hosts.github;

import dev.orgctl.nats.Backoff;
import java.time.Duration;

/**
 * How the client waits for GitHub's limits. The defaults follow GitHub's "Rate limits for the
 * REST API": at a primary limit wait until {@code x-ratelimit-reset}; at a secondary limit wait
 * {@code retry-after} seconds when given, until {@code x-ratelimit-reset} when
 * {@code x-ratelimit-remaining} is 0, otherwise at least one minute, growing exponentially on
 * repeated failures, and give up after a fixed number of retries. Tests shorten the waits.
 *
 * @param resetMargin        added to {@code x-ratelimit-reset} (whole seconds) against clock skew
 * @param secondaryMinWait   the wait when a secondary limit names none (GitHub: at least a minute)
 * @param secondaryMaxWait   ceiling of the exponential wait
 * @param maxSecondaryRetries retries of one call refused by secondary limits before giving up
 * @param maxPrimaryPauses   pauses of one call at exhausted primary limits before giving up (each
 *                           waits for a reset, so this bounds a call at about this many hours)
 * @param serverErrorBase    first wait before retrying a 5xx or a lost connection (doubles)
 * @param maxServerRetries   retries of a call that may be repeated safely (reads, fenced writes)
 */
public record RatePolicy(Duration resetMargin, Duration secondaryMinWait, Duration secondaryMaxWait,
                         int maxSecondaryRetries, int maxPrimaryPauses, Duration serverErrorBase,
                         int maxServerRetries) {

    public static RatePolicy github() {
        return new RatePolicy(Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofMinutes(15), 6, 30,
                Duration.ofSeconds(1), 3);
    }

    public RatePolicy {
        secondaryBackoff(secondaryMinWait, secondaryMaxWait); // refuses a ceiling below the minimum at once
        serverErrorBackoff(serverErrorBase, maxServerRetries);
    }

    /**
     * The exponential wait of the {@code attempt}-th (0-based) secondary refusal without instructions.
     * No jitter: GitHub asks for at least {@code secondaryMinWait}, and jitter only shortens.
     */
    public Duration secondaryBackoff(int attempt) {
        return secondaryBackoff(secondaryMinWait, secondaryMaxWait).delay(attempt + 1);
    }

    /** The wait before the {@code retry}-th (0-based) repeat of a call a 5xx or a lost connection failed. */
    public Duration serverErrorBackoff(int retry) {
        return serverErrorBackoff(serverErrorBase, maxServerRetries).delay(retry + 1);
    }

    private static Backoff secondaryBackoff(Duration min, Duration max) {
        return Backoff.exact(min, max);
    }

    /** Doubling from the base with no ceiling below the last retry's wait: retries are few. */
    private static Backoff serverErrorBackoff(Duration base, int maxRetries) {
        return Backoff.exact(base, base.multipliedBy(1L << Math.min(Math.max(maxRetries - 1, 0), 30)));
    }
}
