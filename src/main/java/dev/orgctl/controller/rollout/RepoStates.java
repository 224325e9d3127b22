package dev.orgctl.controller.rollout;

import dev.orgctl.proto.CiCheck;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import java.util.Set;

/**
 * Where one repository of a started wave stands, read from its pin and the CI record of its
 * commit, for {@code orgctl rollout status}. The gate's decision is the driver's; this only names
 * what the records say, with the same meaning of "failed", "passed" and "waiting" (docs/rollout.md).
 */
final class RepoStates {
    /** Conclusions that fail a gate (check suites, workflow runs; "error" is a commit status's). */
    static final Set<String> FAILING = Set.of("failure", "timed_out", "cancelled", "action_required",
            "startup_failure", "error");

    /** In the order status lists them: the ones that need a person first. */
    enum State {
        REGENERATION_FAILED("regeneration failed"),
        CI_FAILED("CI failed"),
        CI_RUNNING("CI running"),
        NO_CI_RESULT("no CI result yet"),
        AWAITING_MERGE("waiting for the merge"),
        REGENERATING("regenerating"),
        CI_PASSED("CI passed"),
        NO_CHANGE("no change"),
        ELSEWHERE("taken over by another rollout"),
        WAITING("waiting");

        final String words;

        State(String words) {
            this.words = words;
        }
    }

    private RepoStates() {
    }

    /** What a CI record says of its commit: failed, passed, or still waiting (no check, or one not completed). */
    enum Ci { FAILED, PASSED, RUNNING, NONE }

    static Ci ci(CiRecord record) {
        if (record == null || record.getChecksCount() == 0) {
            return Ci.NONE;
        }
        boolean running = false;
        for (CiCheck c : record.getChecksMap().values()) {
            if (FAILING.contains(c.getConclusion())) {
                return Ci.FAILED;
            }
            running |= !completed(c);
        }
        return running ? Ci.RUNNING : Ci.PASSED;
    }

    /** A check suite or run says "completed"; a commit status has a final state instead of "pending". */
    static boolean completed(CiCheck c) {
        return "completed".equals(c.getStatus())
                || !c.getConclusion().isEmpty() && !"pending".equals(c.getConclusion());
    }

    /** A repository of a wave that has started; {@code pin} and {@code record} may be null. */
    static State of(Rollout r, RolloutPin pin, CiRecord record) {
        if (pin == null) {
            return State.WAITING;
        }
        if (!pin.getRolloutId().equals(r.getId())) {
            return State.ELSEWHERE;
        }
        if ("failed".equals(pin.getOutcome())) {
            return State.REGENERATION_FAILED;
        }
        if (!pin.getAppliedRevision().equals(r.getRevision())) {
            return State.REGENERATING;
        }
        if (pin.getCommit().isEmpty()) {
            return State.NO_CHANGE;
        }
        return switch (ci(record)) {
            case FAILED -> State.CI_FAILED;
            case RUNNING -> State.CI_RUNNING;
            case NONE -> State.NO_CI_RESULT;
            case PASSED -> pin.getAwaitMerge() && (record == null || !record.getMerged())
                    ? State.AWAITING_MERGE : State.CI_PASSED;
        };
    }

    /** Whether the repository's run for the rollout's revision has ended (a wave's "rolling n/m"). */
    static boolean ran(Rollout r, RolloutPin pin) {
        return pin != null && pin.getRolloutId().equals(r.getId())
                && ("failed".equals(pin.getOutcome()) || pin.getAppliedRevision().equals(r.getRevision()));
    }
}
