package dev.orgctl.coordination;

import com.google.protobuf.Timestamp;
import dev.orgctl.proto.LockRef;
import dev.orgctl.proto.Trigger;
import dev.orgctl.proto.WorkflowRecord;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.proto.WorkflowStateEvent;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The workflow state machine and coalescing as pure functions: (current record, request) to (next
 * record or none, result). No I/O, so that the logic can be tested exhaustively;
 * {@link Workflows} wraps each call in a compare-and-set loop on the KV entry and publishes the
 * events the next record carries in {@code last_events}.
 *
 * <pre>
 *   IDLE -> PENDING -> RUNNING -> COMPLETED | FAILED
 *   COMPLETED | FAILED -> PENDING          (a new trigger)
 *   RUNNING -> RUNNING                     (takeover only: the worker's lease ran out)
 *   PENDING | RUNNING -> FAILED            (abandoned: the workflow's lock cannot be trusted)
 *   RUNNING -> PAUSED -> RUNNING | COMPLETED | FAILED   (a rollout whose gate failed; docs/rollout.md)
 *   RUNNING -> RUNNING                     (a rollout's progress: a wave started, a gate passed)
 * </pre>
 *
 * A null record is IDLE (the workflow has no entry yet).
 */
final class WorkflowMachine {
    private WorkflowMachine() {
    }

    /** The outcome of one step: the record to write (null: write nothing) and the caller's result. */
    record Step<R>(WorkflowRecord write, R result) {
        static <R> Step<R> noWrite(R result) {
            return new Step<>(null, result);
        }
    }

    static WorkflowState stateOf(WorkflowRecord r) {
        return r == null ? WorkflowState.IDLE : r.getState();
    }

    /** The plain transitions (a takeover, RUNNING -> RUNNING, has its own preconditions: {@link #start}). */
    static boolean legal(WorkflowState from, WorkflowState to) {
        if (from == null || to == null || to == WorkflowState.UNRECOGNIZED) {
            return false;
        }
        return switch (from) {
            case IDLE -> to == WorkflowState.PENDING;
            case PENDING -> to == WorkflowState.RUNNING;
            case RUNNING -> to == WorkflowState.COMPLETED || to == WorkflowState.FAILED || to == WorkflowState.PAUSED;
            case PAUSED -> to == WorkflowState.RUNNING || to == WorkflowState.COMPLETED || to == WorkflowState.FAILED;
            case COMPLETED, FAILED -> to == WorkflowState.PENDING;
            default -> false;
        };
    }

    /**
     * A plain transition to {@code to}. Ending a run (COMPLETED, FAILED) while a newer trigger is
     * recorded ("dirty") goes on to PENDING in the same write: the follow-up run can never be lost
     * between two writes.
     *
     * @throws IllegalTransitionException when the state machine does not allow it
     */
    static WorkflowRecord transition(String id, WorkflowRecord cur, WorkflowState to, Change c, Instant now) {
        WorkflowState from = stateOf(cur);
        if (!legal(from, to)) {
            throw new IllegalTransitionException(id, from, to, c.reason());
        }
        WorkflowRecord.Builder b = base(id, cur, now);
        switch (to) {
            case PENDING -> {
                Trigger t = c.trigger() == null ? Trigger.newBuilder().setReason(c.reason()).build() : c.trigger();
                b.setTrigger(stamp(t, now)).clearPendingTrigger().setDirty(false).setCoalesced(0)
                        .clearOwner().clearLock().clearLastError();
                if (!t.getOrg().isEmpty()) {
                    b.setOrg(t.getOrg());
                }
                addEvent(b, from, to, or(c.reason(), "triggered" + describe(t)), c, now);
            }
            case RUNNING -> {
                if (from == WorkflowState.PAUSED) {
                    addEvent(b, from, to, or(c.reason(), "resumed"), c, now);
                    return b.build();
                }
                String runId = c.runId().isEmpty() ? "run-" + UUID.randomUUID() : c.runId();
                b.setRunId(runId).setAttempt(1).setOwner(c.actor()).setCoalesced(0).setRuns(b.getRuns() + 1);
                if (c.lock() != null) {
                    b.setLock(c.lock());
                } else {
                    b.clearLock();
                }
                addEvent(b, from, to, or(c.reason(), "run started"), c, now);
            }
            case COMPLETED, FAILED -> {
                b.setEndedRunId(b.getRunId()).setEndedState(to);
                if (to == WorkflowState.FAILED) {
                    b.setLastError(c.error());
                } else {
                    b.clearLastError();
                }
                addEvent(b, from, to, or(c.reason(), to == WorkflowState.COMPLETED ? "run completed" : "run failed"),
                        c, now);
                followUp(b, to, c, now);
            }
            case PAUSED -> addEvent(b, from, to, or(c.reason(), "paused"), c, now);
            default -> throw new IllegalTransitionException(id, from, to, "no such target state");
        }
        return b.build();
    }

    /**
     * A step of a RUNNING workflow that is not a run's end: a rollout's wave started or its gate
     * passed. Recorded in the history as RUNNING -> RUNNING with the reason.
     */
    static WorkflowRecord progress(String id, WorkflowRecord cur, Change c, Instant now) {
        WorkflowState from = stateOf(cur);
        if (from != WorkflowState.RUNNING) {
            throw new IllegalTransitionException(id, from, WorkflowState.RUNNING, "progress of a workflow not running: "
                    + c.reason());
        }
        WorkflowRecord.Builder b = base(id, cur, now);
        addEvent(b, from, WorkflowState.RUNNING, or(c.reason(), "progress"), c, now);
        return b.build();
    }

    /** A trigger: starts a pending run, or coalesces into the pending or running one. */
    static Step<TriggerOutcome> trigger(String id, WorkflowRecord cur, Trigger t, String actor, Instant now) {
        Trigger stamped = stamp(t, now);
        WorkflowState from = stateOf(cur);
        switch (from) {
            case IDLE, COMPLETED, FAILED -> {
                Change c = new Change(or(t.getReason(), "triggered") + describe(stamped), actor, null, stamped, null,
                        null, null, null);
                return new Step<>(transition(id, cur, WorkflowState.PENDING, c, now), TriggerOutcome.STARTED_PENDING);
            }
            case PENDING -> {
                // The run has not started: it will simply use the newest trigger.
                WorkflowRecord.Builder b = base(id, cur, now).setTrigger(stamped).setCoalesced(cur.getCoalesced() + 1);
                if (!stamped.getOrg().isEmpty()) {
                    b.setOrg(stamped.getOrg());
                }
                return new Step<>(b.build(), TriggerOutcome.COALESCED);
            }
            case RUNNING -> {
                // The run works on an older trigger: remember the newest one for one follow-up run.
                WorkflowRecord.Builder b = base(id, cur, now).setPendingTrigger(stamped).setDirty(true)
                        .setCoalesced(cur.getCoalesced() + 1);
                return new Step<>(b.build(), TriggerOutcome.COALESCED);
            }
            default -> throw new IllegalTransitionException(id, from, WorkflowState.PENDING, "unknown state");
        }
    }

    /**
     * Starts the pending run, or takes over a RUNNING workflow whose worker's lease ran out: the
     * record names the lock (bucket and name) of the run and its fencing token, and a caller holding
     * the same lock with a larger token proves that the old holding ended.
     */
    static Step<Optional<Run>> start(String id, WorkflowRecord cur, String runId, String owner, LockRef lock,
                                     Instant now) {
        WorkflowState from = stateOf(cur);
        if (from == WorkflowState.PENDING) {
            Change c = new Change("run " + runId + " started by " + owner, owner, runId, null, lock, null, null, null);
            WorkflowRecord next = transition(id, cur, WorkflowState.RUNNING, c, now);
            return new Step<>(next, Optional.of(runOf(id, next, false)));
        }
        if (from != WorkflowState.RUNNING) {
            return Step.noWrite(Optional.empty());
        }
        LockRef held = cur.getLock();
        boolean sameLock = lock != null && held.getBucket().equals(lock.getBucket())
                && held.getName().equals(lock.getName()) && !held.getName().isEmpty();
        if (sameLock && cur.getRunId().equals(runId) && held.getToken() == lock.getToken()) {
            return Step.noWrite(Optional.of(runOf(id, cur, cur.getAttempt() > 1))); // a retried start
        }
        if (!sameLock || lock.getToken() <= held.getToken()) {
            return Step.noWrite(Optional.empty()); // a live worker runs it
        }
        WorkflowRecord.Builder b = base(id, cur, now);
        String reason = "taken over by " + owner + " (run " + runId + "): the lease of " + cur.getOwner()
                + " (run " + cur.getRunId() + ", lock token " + held.getToken() + ") ran out";
        if (cur.getDirty()) {
            // The new attempt can use the newest trigger right away: one run fewer.
            b.setTrigger(cur.getPendingTrigger()).clearPendingTrigger().setDirty(false);
        }
        b.setRunId(runId).setAttempt(cur.getAttempt() + 1).setOwner(owner).setLock(lock).setRuns(cur.getRuns() + 1)
                .setCoalesced(0);
        addEvent(b, WorkflowState.RUNNING, WorkflowState.RUNNING, reason,
                new Change(reason, owner, runId, null, lock, null, null, null), now);
        WorkflowRecord next = b.build();
        return new Step<>(next, Optional.of(runOf(id, next, true)));
    }

    /**
     * Ends a run (COMPLETED or FAILED), then, if newer triggers arrived while it ran, goes on to
     * PENDING with the newest one, in the same write.
     *
     * @throws StaleRunException          when the run is not the workflow's current run
     * @throws IllegalTransitionException when the run already ended the other way
     */
    static Step<FollowUp> end(String id, WorkflowRecord cur, Run run, WorkflowState to, Change c, Instant now) {
        WorkflowState from = stateOf(cur);
        if (from == WorkflowState.RUNNING && isCurrent(cur, run)) {
            WorkflowRecord next = transition(id, cur, to, c, now);
            return new Step<>(next, followUpOf(next));
        }
        if (cur != null && cur.getEndedRunId().equals(run.runId()) && !isCurrentRunning(cur, run)) {
            if (cur.getEndedState() == to) {
                // A retry of an end that was written but whose answer was lost.
                boolean rerunPending = cur.getState() == WorkflowState.PENDING;
                return Step.noWrite(rerunPending ? FollowUp.rerun(cur.getTrigger()) : FollowUp.none());
            }
            throw new IllegalTransitionException(id, cur.getEndedState(), to,
                    "run " + run.runId() + " already ended " + cur.getEndedState());
        }
        throw new StaleRunException("workflow " + id + ": run " + run.runId() + " (attempt " + run.attempt()
                + ") is not its current run (state " + from + (cur == null ? "" : ", run " + cur.getRunId()
                + " attempt " + cur.getAttempt() + " by " + cur.getOwner())
                + "); it was taken over after its lease ran out: drop its result");
    }

    /**
     * Ends a PENDING or RUNNING workflow as FAILED without a run of the caller's: for a worker that
     * cannot keep or take the workflow's lock (the lock bucket answers inconsistently) and gave up
     * after its bounded retries. A newer trigger recorded while RUNNING still gives one follow-up.
     */
    static Step<FollowUp> abandon(String id, WorkflowRecord cur, Change c, Instant now) {
        WorkflowState from = stateOf(cur);
        if (from != WorkflowState.PENDING && from != WorkflowState.RUNNING) {
            return Step.noWrite(FollowUp.none());
        }
        WorkflowRecord.Builder b = base(id, cur, now);
        if (from == WorkflowState.RUNNING) {
            b.setEndedRunId(b.getRunId());
        }
        b.setEndedState(WorkflowState.FAILED).setLastError(c.error()).clearOwner().clearLock();
        addEvent(b, from, WorkflowState.FAILED, c.reason(), c, now);
        followUp(b, WorkflowState.FAILED, c, now);
        WorkflowRecord next = b.build();
        return new Step<>(next, followUpOf(next));
    }

    static FollowUp followUpOf(WorkflowRecord next) {
        return next.getState() == WorkflowState.PENDING ? FollowUp.rerun(next.getTrigger()) : FollowUp.none();
    }

    static Run runOf(String id, WorkflowRecord r, boolean takeover) {
        return new Run(id, r.getRunId(), r.getAttempt(), r.getTrigger(), r.getOwner(), r.getLock(), takeover);
    }

    private static boolean isCurrent(WorkflowRecord cur, Run run) {
        return cur.getRunId().equals(run.runId()) && cur.getLock().getToken() == tokenOf(run);
    }

    private static boolean isCurrentRunning(WorkflowRecord cur, Run run) {
        return cur.getState() == WorkflowState.RUNNING && isCurrent(cur, run);
    }

    private static long tokenOf(Run run) {
        return run.lock() == null ? 0 : run.lock().getToken();
    }

    private static void followUp(WorkflowRecord.Builder b, WorkflowState ended, Change c, Instant now) {
        if (!b.getDirty()) {
            return;
        }
        Trigger newest = b.getPendingTrigger();
        int coalesced = b.getCoalesced();
        b.setTrigger(newest).clearPendingTrigger().setDirty(false).setState(WorkflowState.PENDING)
                .setCoalesced(0).clearOwner().clearLock();
        String reason = "follow-up run: " + coalesced + " trigger" + (coalesced == 1 ? "" : "s")
                + " arrived during run " + b.getRunId() + describe(newest);
        addEvent(b, ended, WorkflowState.PENDING, reason,
                new Change(reason, c.actor(), null, newest, null, null, null, null), now);
    }

    private static WorkflowRecord.Builder base(String id, WorkflowRecord cur, Instant now) {
        WorkflowRecord.Builder b = cur == null ? WorkflowRecord.newBuilder().setWorkflowId(id) : cur.toBuilder();
        return b.clearLastEvents().setUpdatedAt(ts(now));
    }

    /** Appends the event of a transition and moves the builder to {@code to}. */
    private static void addEvent(WorkflowRecord.Builder b, WorkflowState from, WorkflowState to, String reason,
                                 Change c, Instant now) {
        b.setState(to);
        Trigger t = b.getTrigger();
        WorkflowStateEvent ev = WorkflowStateEvent.newBuilder()
                .setOrg(b.getOrg())
                .setWorkflowId(b.getWorkflowId())
                .setCurrentState(from)
                .setTargetState(to)
                .setReason(reason)
                .setTimestamp(ts(now))
                .setRunId(b.getRunId())
                .setAttempt(b.getAttempt())
                .setActor(c.actor())
                .setTemplateRevision(t.getTemplateRevision())
                .setBaseCommit(c.baseCommit())
                .setResultCommit(c.resultCommit())
                .setError(c.error())
                .setCausationId(t.getCausationId())
                .setDepth(t.getDepth())
                .build();
        b.addLastEvents(ev).setLastTransition(ev).setTransitions(b.getTransitions() + 1);
    }

    private static Trigger stamp(Trigger t, Instant now) {
        return t.hasReceivedAt() ? t : t.toBuilder().setReceivedAt(ts(now)).build();
    }

    private static String describe(Trigger t) {
        StringBuilder sb = new StringBuilder();
        if (!t.getTemplateRevision().isEmpty()) {
            sb.append(" template ").append(t.getTemplateRevision());
        }
        if (!t.getCausationId().isEmpty()) {
            sb.append(" (cause ").append(t.getCausationId()).append(')');
        }
        return sb.length() == 0 ? "" : ":" + sb;
    }

    private static String or(String s, String dflt) {
        return s == null || s.isEmpty() ? dflt : s;
    }

    static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}
