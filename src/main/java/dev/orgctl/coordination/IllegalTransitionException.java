package dev.orgctl.coordination;

import dev.orgctl.OrgctlException;
import dev.orgctl.proto.WorkflowState;

/** A workflow transition the state machine does not allow; the message names both states. */
public final class IllegalTransitionException extends OrgctlException {
    private final String workflowId;
    private final WorkflowState from;
    private final WorkflowState to;

    public IllegalTransitionException(String workflowId, WorkflowState from, WorkflowState to, String detail) {
        super("workflow " + workflowId + ": illegal transition " + from + " -> " + to
                + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
        this.workflowId = workflowId;
        this.from = from;
        this.to = to;
    }

    public String workflowId() {
        return workflowId;
    }

    public WorkflowState from() {
        return from;
    }

    public WorkflowState to() {
        return to;
    }

    /** False: the state machine refuses this transition however often it is asked. */
    @Override
    public boolean retryable() {
        return false;
    }
}
