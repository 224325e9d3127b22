package dev.orgctl.coordination;

import dev.orgctl.proto.LockRef;
import dev.orgctl.proto.Trigger;

/**
 * A run of a workflow, handed out by {@link Workflows#start}: the worker does the work for
 * {@link #trigger()} and ends it with {@link Workflows#complete} or {@link Workflows#fail}.
 *
 * @param attempt  1 for a fresh run; +1 for each takeover of a RUNNING workflow whose worker died
 * @param takeover true when this run took over from a worker whose lease ran out
 * @param lock     the lock holding the run works under; its token fences the run's writes
 */
public record Run(String workflowId, String runId, int attempt, Trigger trigger, String owner, LockRef lock,
                  boolean takeover) {
}
