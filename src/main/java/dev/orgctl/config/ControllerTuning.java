package dev.orgctl.config;

import java.time.Duration;
import java.util.Optional;

/**
 * The controller's settings of {@code orgctl up}, as resolved; the controller's own record
 * ({@code controller.ControllerSettings}) is built from them.
 *
 * @param workers         regeneration jobs this process works on at once
 * @param reconcileEvery  the periodic full reconcile; empty: off
 * @param maxDepth        reactions to orgctl's own commits before a job is stopped
 * @param breakerCommits  the circuit breaker's N: commits per repository per window
 * @param breakerWindow   the circuit breaker's window
 * @param maxLockFailures lost locks a job may have before its workflow is FAILED
 * @param watchInterval   git backend: how often the ref watcher looks for pushes
 * @param lockWait        how long a worker waits for a repository's lock before handing the job back
 * @param settle          a template change waits this long after its newest push (debounce); zero: not at all
 * @param maxSettle       but never longer than this after it was queued
 * @param previewComment  github backend: a template pull request's preview also as one comment, updated in place
 * @param rolloutTick     how often the rollout driver looks at the rollouts that are rolling or gating
 * @param rolloutPoll     how often a rollout's gate asks the host for CI results it has not received
 */
public record ControllerTuning(int workers, Optional<Duration> reconcileEvery, int maxDepth, int breakerCommits,
                               Duration breakerWindow, int maxLockFailures, Duration watchInterval,
                               Duration lockWait, Duration settle, Duration maxSettle, boolean previewComment,
                               Duration rolloutTick, Duration rolloutPoll) {
}
