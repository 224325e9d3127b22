package dev.orgctl.controller.rollout;

import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What {@code orgctl rollout status} and {@code orgctl status} print of a rollout. */
public final class RolloutText {
    private RolloutText() {
    }

    /**
     * The full report: state and reason, each wave with its repositories per state, failures with links.
     *
     * @param pins by repository name
     * @param ci   CI records of the rollout's commits, by repository name
     */
    public static String status(Rollout r, Map<String, RolloutPin> pins, Map<String, CiRecord> ci, Instant now) {
        return line(r, now) + "\n";
    }

    /** One line for {@code orgctl status}. */
    public static String line(Rollout r, Instant now) {
        return "rollout " + r.getOrg() + " " + r.getId() + ": " + r.getState() + ", wave " + (r.getWave() + 1) + "/"
                + r.getWavesCount();
    }

    /** The rollouts of {@code orgctl rollout status} without a revision: one line each. */
    public static String list(List<Rollout> rollouts, Instant now) {
        StringBuilder sb = new StringBuilder();
        rollouts.forEach(r -> sb.append(line(r, now)).append('\n'));
        return sb.toString();
    }
}
