package dev.orgctl.controller.rollout;

import dev.orgctl.coordination.Change;
import dev.orgctl.coordination.WorkflowSnapshot;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.Trigger;
import dev.orgctl.proto.WorkflowState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rollout as the workflow {@code rollout/<org>/<id>} in ORGCTL_WORKFLOWS, with its steps in
 * ORGCTL_HISTORY (docs/rollout.md). The rollout's record decides; this mirrors it: begin is
 * PENDING, the first wave RUNNING, each wave start and gate a RUNNING -> RUNNING step, a failed gate
 * PAUSED, completed or superseded COMPLETED, aborted FAILED. A mirror left behind by a crash is
 * brought up to the record by the next sync.
 */
public final class RolloutWorkflow {
    private static final Logger log = LoggerFactory.getLogger(RolloutWorkflow.class);

    /** No mirror (tests of the store alone). */
    public static final RolloutWorkflow NONE = new RolloutWorkflow(null);

    private final Workflows workflows;

    public RolloutWorkflow(Workflows workflows) {
        this.workflows = workflows;
    }

    public static String workflowId(String org, String id) {
        return "rollout/" + org + "/" + id;
    }

    static WorkflowState target(Rollout r) {
        return switch (r.getState()) {
            case ROLLOUT_ROLLING -> r.getWave() == 0 && !r.getWaves(0).hasStartedAt() ? WorkflowState.PENDING
                    : WorkflowState.RUNNING;
            case ROLLOUT_GATING -> WorkflowState.RUNNING;
            case ROLLOUT_PAUSED -> WorkflowState.PAUSED;
            case ROLLOUT_ABORTED -> WorkflowState.FAILED;
            default -> WorkflowState.COMPLETED;
        };
    }

    /**
     * Brings the workflow to the rollout's state; {@code event} (may be empty) is the step that was
     * just recorded, kept in the history. Never throws: the mirror is re-synced on the next tick.
     */
    public void sync(Rollout r, String event) {
        if (workflows == null) {
            return;
        }
        String id = workflowId(r.getOrg(), r.getId());
        try {
            step(id, r, event.isEmpty() ? r.getReason() : event, !event.isEmpty());
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("workflow", id).addKeyValue("error", String.valueOf(e.getMessage()))
                    .log("rollout workflow not in step with its record; the driver syncs it again");
        }
    }

    private void step(String id, Rollout r, String reason, boolean fresh) {
        WorkflowState target = target(r);
        WorkflowState cur = workflows.get(id).map(WorkflowSnapshot::state).orElse(WorkflowState.IDLE);
        if (cur == WorkflowState.IDLE) {
            Trigger t = Trigger.newBuilder().setOrg(r.getOrg()).setCausationId(r.getCausationId())
                    .setTemplateRevision(r.getRevision()).setReason("rollout").setActor(r.getActor()).build();
            workflows.transition(id, WorkflowState.PENDING, Change.because(r.getRevertOf().isEmpty()
                    ? "rollout of " + r.getRevision() + " began" : "revert of " + r.getRevertOf() + " began")
                    .withTrigger(t));
            cur = WorkflowState.PENDING;
        }
        if (target == WorkflowState.PENDING || cur == WorkflowState.COMPLETED || cur == WorkflowState.FAILED) {
            return;
        }
        if (cur == WorkflowState.PENDING) {
            workflows.transition(id, WorkflowState.RUNNING, Change.because(target == WorkflowState.RUNNING ? reason
                    : "rollout started"));
            if (target == WorkflowState.RUNNING) {
                return;
            }
            cur = WorkflowState.RUNNING;
        }
        if (cur == target) {
            if (cur == WorkflowState.RUNNING && fresh) {
                workflows.progress(id, Change.because(reason));
            }
            return;
        }
        Change c = Change.because(reason).withActor(r.getActor());
        workflows.transition(id, target, target == WorkflowState.FAILED ? c.withError(reason) : c);
    }
}
