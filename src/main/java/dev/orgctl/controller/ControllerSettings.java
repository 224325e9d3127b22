package dev.orgctl.controller;

import dev.orgctl.hosts.CommitIdentity;
import java.time.Duration;
import java.util.Optional;

/**
 * How the controller runs.
 *
 * @param workers        jobs worked on at once by this process
 * @param maxDepth       reactions to reactions before a job is stopped (snake prevention, layer 3)
 * @param breaker        the per-repository circuit breaker (layer 4)
 * @param reconcileEvery the periodic full reconcile; empty: off
 * @param retry          how failed work is retried: attempts (deliveries of an event, failed runs of a
 *                       job) before it goes to the DLQ, and the backoff between them
 * @param lockWait       how long a worker waits for a repository's lock before handing the job back
 * @param identity       author and committer of orgctl's commits
 * @param settle         a template change waits this long after its newest trigger before it runs, so
 *                       that a burst of pushes becomes one run (debounce)
 * @param maxSettle      but never longer than this after the job was queued
 * @param maxLockFailures a job whose repository lock is lost mid-run, or cannot be taken because the
 *                       lock bucket answers inconsistently, is retried this many times in all; then
 *                       the workflow is FAILED and the job goes to the DLQ (never retried forever)
 * @param previewComment github backend: a template pull request's preview also as one comment on it
 * @param rollout        how often the rollout driver ticks and a gate polls the host for CI results
 */
public record ControllerSettings(int workers, int maxDepth, CircuitBreaker.Settings breaker,
                                 Optional<Duration> reconcileEvery, RetryPolicy retry, Duration lockWait,
                                 CommitIdentity identity, Duration settle, Duration maxSettle,
                                 int maxLockFailures, boolean previewComment, RolloutTiming rollout) {
    /**
     * @param tick how often the rollout driver looks at the rollouts that are rolling or gating
     * @param poll how often a gate asks the host for the CI results of a commit it has none for
     */
    public record RolloutTiming(Duration tick, Duration poll) {
        public static final RolloutTiming DEFAULT = new RolloutTiming(Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    public static ControllerSettings defaults() {
        return new ControllerSettings(2, 3, CircuitBreaker.Settings.defaults(), Optional.of(Duration.ofHours(1)),
                RetryPolicy.defaults(),
                Duration.ofSeconds(10), CommitIdentity.ORGCTL, Duration.ofSeconds(2), Duration.ofSeconds(20), 3, false,
                RolloutTiming.DEFAULT);
    }

    public ControllerSettings withSettle(Duration s, Duration max) {
        return new ControllerSettings(workers, maxDepth, breaker, reconcileEvery, retry, lockWait, identity, s, max,
                maxLockFailures, previewComment, rollout);
    }

    public ControllerSettings withReconcile(Optional<Duration> every) {
        return new ControllerSettings(workers, maxDepth, breaker, every, retry, lockWait, identity, settle, maxSettle,
                maxLockFailures, previewComment, rollout);
    }

    public ControllerSettings withBreaker(CircuitBreaker.Settings b) {
        return new ControllerSettings(workers, maxDepth, b, reconcileEvery, retry, lockWait, identity, settle, maxSettle,
                maxLockFailures, previewComment, rollout);
    }

    public ControllerSettings withMaxDepth(int d) {
        return new ControllerSettings(workers, d, breaker, reconcileEvery, retry, lockWait, identity, settle, maxSettle,
                maxLockFailures, previewComment, rollout);
    }

    public ControllerSettings withWorkers(int n) {
        return new ControllerSettings(n, maxDepth, breaker, reconcileEvery, retry, lockWait, identity, settle, maxSettle,
                maxLockFailures, previewComment, rollout);
    }

    public ControllerSettings withMaxLockFailures(int n) {
        return new ControllerSettings(workers, maxDepth, breaker, reconcileEvery, retry, lockWait, identity, settle,
                maxSettle, n, previewComment, rollout);
    }

    public ControllerSettings withLockWait(Duration wait) {
        return new ControllerSettings(workers, maxDepth, breaker, reconcileEvery, retry, wait, identity, settle,
                maxSettle, maxLockFailures, previewComment, rollout);
    }

    public ControllerSettings withIdentity(CommitIdentity id) {
        return new ControllerSettings(workers, maxDepth, breaker, reconcileEvery, retry, lockWait, id, settle,
                maxSettle, maxLockFailures, previewComment, rollout);
    }

    /** github backend: post each template pull request's preview as one comment too (off by default). */
    public ControllerSettings withPreviewComment(boolean on) {
        return new ControllerSettings(workers, maxDepth, breaker, reconcileEvery, retry, lockWait, identity, settle,
                maxSettle, maxLockFailures, on, rollout);
    }

    public ControllerSettings withRollout(RolloutTiming r) {
        return new ControllerSettings(workers, maxDepth, breaker, reconcileEvery, retry, lockWait, identity, settle,
                maxSettle, maxLockFailures, previewComment, r);
    }

    public ControllerSettings withRetry(RetryPolicy r) {
        return new ControllerSettings(workers, maxDepth, breaker, reconcileEvery, r, lockWait, identity, settle, maxSettle,
                maxLockFailures, previewComment, rollout);
    }
}
