package dev.orgctl.controller;

import dev.orgctl.config.RetrySettings;
import dev.orgctl.nats.Backoff;
import java.time.Duration;

/**
 * How failed work is retried: {@code maxAttempts} deliveries (or, for jobs, runs) in all, waiting
 * {@code backoff} between them. The same for the event and the job stage; settings, not code.
 */
public record RetryPolicy(int maxAttempts, Backoff backoff) {
    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be at least 1, not " + maxAttempts);
        }
    }

    /** 5 attempts, 2 s, 4 s, 8 s, ... at most a minute apart, without jitter. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(5, Backoff.exact(Duration.ofSeconds(2), Duration.ofMinutes(1)));
    }

    /** The policy as configured ({@code controller.retry.*}, checked by the config resolver). */
    public static RetryPolicy from(RetrySettings r) {
        return new RetryPolicy(r.maxAttempts(), new Backoff(r.initial(), r.max(), r.jitter()));
    }

    /** Whether {@code attempt} (1 for the first) was the last one. */
    public boolean spent(int attempt) {
        return attempt >= maxAttempts;
    }

    /** The wait after {@code failures} failed attempts. */
    public Duration delay(int failures) {
        return backoff.delay(Math.max(1, failures));
    }
}
