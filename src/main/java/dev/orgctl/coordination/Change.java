package dev.orgctl.coordination;

import dev.orgctl.proto.LockRef;
import dev.orgctl.proto.Trigger;

/**
 * The details of a transition made with {@link Workflows#transition}: all optional (null or empty).
 *
 * @param reason  why, one line, for the history
 * @param actor   who (process, operator)
 * @param runId   for a transition to RUNNING: the run's id (default: a random one)
 * @param trigger for a transition to PENDING: what the next run must do
 * @param lock    for a transition to RUNNING: the lock the run works under
 * @param error   for a transition to FAILED
 */
public record Change(String reason, String actor, String runId, Trigger trigger, LockRef lock, String error,
                     String baseCommit, String resultCommit) {
    public Change {
        reason = reason == null ? "" : reason;
        actor = actor == null ? "" : actor;
        runId = runId == null ? "" : runId;
        error = error == null ? "" : error;
        baseCommit = baseCommit == null ? "" : baseCommit;
        resultCommit = resultCommit == null ? "" : resultCommit;
    }

    public static Change because(String reason) {
        return new Change(reason, null, null, null, null, null, null, null);
    }

    public Change withActor(String a) {
        return new Change(reason, a, runId, trigger, lock, error, baseCommit, resultCommit);
    }

    public Change withRunId(String id) {
        return new Change(reason, actor, id, trigger, lock, error, baseCommit, resultCommit);
    }

    public Change withTrigger(Trigger t) {
        return new Change(reason, actor, runId, t, lock, error, baseCommit, resultCommit);
    }

    public Change withLock(LockRef l) {
        return new Change(reason, actor, runId, trigger, l, error, baseCommit, resultCommit);
    }

    public Change withError(String e) {
        return new Change(reason, actor, runId, trigger, lock, e, baseCommit, resultCommit);
    }

    public Change withCommits(String base, String result) {
        return new Change(reason, actor, runId, trigger, lock, error, base, result);
    }
}
