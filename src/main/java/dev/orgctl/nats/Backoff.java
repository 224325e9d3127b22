package dev.orgctl.nats;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter: the delay before attempt {@code n + 1} after {@code n} failed
 * attempts is {@code initial * 2^(n-1)}, capped at {@code max}, then shortened by a random part of
 * up to {@code jitter} of itself so that processes failing together do not retry together.
 *
 * @param jitter fraction in [0, 1]; 0 gives the same delays every time
 */
public record Backoff(Duration initial, Duration max, double jitter) {
    public Backoff {
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("backoff initial delay must be positive, not " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff maximum " + max + " is below its initial delay " + initial);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("backoff jitter must be within [0, 1], not " + jitter);
        }
    }

    /** Without jitter: the same delays every time. */
    public static Backoff exact(Duration initial, Duration max) {
        return new Backoff(initial, max, 0);
    }

    /** The delay after {@code failures} failed attempts (1 for the first failure). */
    public Duration delay(int failures) {
        return delay(failures, ThreadLocalRandom.current());
    }

    public Duration delay(int failures, RandomGenerator random) {
        long base = ceiling(failures).toNanos();
        if (jitter == 0) {
            return Duration.ofNanos(base);
        }
        long spread = (long) (base * jitter);
        return Duration.ofNanos(base - (spread == 0 ? 0 : random.nextLong(spread + 1)));
    }

    /** The delay without jitter: the upper bound of {@link #delay(int)}. */
    public Duration ceiling(int failures) {
        int doublings = Math.max(0, Math.min(failures, 63) - 1);
        long initialNanos = initial.toNanos();
        long maxNanos = max.toNanos();
        if (doublings >= 62 || initialNanos > (maxNanos >> doublings)) {
            return max;
        }
        return Duration.ofNanos(Math.min(maxNanos, initialNanos << doublings));
    }
}
