package dev.orgctl.controller.rollout;

import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import java.util.List;
import java.util.Optional;

/**
 * The rollouts of ORGCTL_ROLLOUTS and what an operator does to them (docs/rollout.md). Every
 * change is a compare-and-set of the rollout's entry; the controller's driver acts on what is
 * recorded, so a command never races a replica.
 *
 * <p>Implemented on ORGCTL_ROLLOUTS by the rollout engine.
 */
public interface Rollouts {
    /** The org's rollouts, newest first. */
    List<Rollout> list(String org);

    Optional<Rollout> get(String org, String id);

    /** The org's newest rollout that was not superseded, whatever its state. */
    Optional<Rollout> current(String org);

    /** Every repository's pin in the org. */
    List<RolloutPin> pins(String org);

    Optional<CiRecord> ci(String org, String repo, String sha);

    /**
     * A PAUSED rollout goes on with its next wave (the failures are accepted), or completes when the
     * paused wave was the last. Throws {@link RolloutException} naming the state otherwise.
     */
    Rollout resume(String org, String id, String actor);

    /** Stops further waves (ABORTED); what was rolled stays. Throws when already ended. */
    Rollout abort(String org, String id, String actor, String reason);

    /**
     * Brings the repositories the rollout already reached back to the revision it replaced, as a new
     * rollout (id {@code revert-<revision>}, waves from that revision's configuration) that becomes
     * the current one; the reverted rollout is aborted first if it was still going.
     */
    Rollout revert(String org, String id, String actor, RepositoryHost host);
}
