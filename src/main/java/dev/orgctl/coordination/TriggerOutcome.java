package dev.orgctl.coordination;

/** What {@link Workflows#trigger} did with a trigger. */
public enum TriggerOutcome {
    /** The workflow was IDLE, COMPLETED or FAILED and is now PENDING: a run must be started. */
    STARTED_PENDING,
    /**
     * The workflow was already PENDING or RUNNING: the trigger was recorded as the newest one and
     * will be used by the pending run or by exactly one follow-up run. Nothing else to do.
     */
    COALESCED
}
