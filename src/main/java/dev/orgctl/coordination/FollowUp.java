package dev.orgctl.coordination;

import dev.orgctl.proto.Trigger;
import java.util.Optional;

/**
 * What must happen after a run ended: nothing, or exactly one follow-up run because newer triggers
 * arrived while it ran. On {@link Kind#RERUN} the workflow is already PENDING with
 * {@link #trigger()} (the newest trigger); the caller starts it with {@link Workflows#start} (or
 * enqueues a job that will).
 */
public record FollowUp(Kind kind, Optional<Trigger> trigger) {
    public enum Kind { NONE, RERUN }

    private static final FollowUp NONE = new FollowUp(Kind.NONE, Optional.empty());

    public static FollowUp none() {
        return NONE;
    }

    public static FollowUp rerun(Trigger trigger) {
        return new FollowUp(Kind.RERUN, Optional.of(trigger));
    }

    public boolean isRerun() {
        return kind == Kind.RERUN;
    }
}
