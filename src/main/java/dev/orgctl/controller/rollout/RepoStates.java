package dev.orgctl.controller.rollout;

import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import java.util.Optional;

/**
 * Where one repository of a started wave stands, read from its pin and the CI record of its
 * commit, for {@code orgctl rollout status}. The gate's decision is the driver's; this only names
 * what the records say, with the gate's own {@link CiVerdict} (docs/rollout.md).
 */
final class RepoStates {
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
        // The gate's own verdict, so that status never names a repository otherwise than the driver decides.
        CiVerdict verdict = CiVerdict.of(pin, Optional.ofNullable(record));
        if (verdict instanceof CiVerdict.Failed) {
            return State.CI_FAILED;
        }
        if (verdict instanceof CiVerdict.Pending p) {
            return "merge".equals(p.what()) ? State.AWAITING_MERGE : State.CI_RUNNING;
        }
        return verdict instanceof CiVerdict.NoCheck ? State.NO_CI_RESULT : State.CI_PASSED;
    }

    /** Whether the repository's run for the rollout's revision has ended (a wave's "rolling n/m"). */
    static boolean ran(Rollout r, RolloutPin pin) {
        return pin != null && pin.getRolloutId().equals(r.getId())
                && ("failed".equals(pin.getOutcome()) || pin.getAppliedRevision().equals(r.getRevision()));
    }
}
