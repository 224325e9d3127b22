package dev.orgctl.coordination;

import dev.orgctl.proto.WorkflowRecord;
import dev.orgctl.proto.WorkflowState;

/** A workflow's record as read from (or just written to) ORGCTL_WORKFLOWS, with its KV revision. */
public record WorkflowSnapshot(String workflowId, WorkflowRecord record, long revision) {
    public WorkflowState state() {
        return record.getState();
    }
}
