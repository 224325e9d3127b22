package dev.orgctl.coordination;

import dev.orgctl.proto.WorkflowRecord;
import dev.orgctl.proto.WorkflowState;

/** A workflow's record as read from (or just written to) ORGCTL_WORKFLOWS, with its KV revision. */
public record WorkflowSnapshot(String workflowId, WorkflowRecord record, long revision) {
    public WorkflowState state() {
        return record.getState();
    }

    /**
     * Since when the workflow has been in its state: the time of its last transition (a trigger
     * coalesced into a PENDING run updates the record, not this), else of its last update.
     */
    public java.time.Instant inStateSince() {
        var t = record.getLastTransition().hasTimestamp() ? record.getLastTransition().getTimestamp()
                : record.getUpdatedAt();
        return java.time.Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
