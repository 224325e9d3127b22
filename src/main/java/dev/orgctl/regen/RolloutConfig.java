package dev.orgctl.regen;

import java.time.Duration;
import java.util.List;

/**
 * An {@code orgctl.yaml} {@code rollout} block: a template change reaches the org in waves, each
 * gated by the CI results of orgctl's commits. Without the block a change reaches every target at
 * once. Schema and defaults: docs/rollout.md.
 */
public record RolloutConfig(List<WaveSpec> waves, Gate gate) {
    public RolloutConfig {
        waves = List.copyOf(waves);
    }

    /** How one wave picks its repositories among the targets no earlier wave took. */
    public sealed interface WaveSpec permits WaveSpec.Select, WaveSpec.Percent {
        /** The repositories a selector matches (as in a set's {@code targets}). */
        record Select(Selector selector, String label) implements WaveSpec {
        }

        /** A share of the remaining targets, chosen stably by a hash of the repository's name. */
        record Percent(int percent) implements WaveSpec {
        }
    }

    /** Failed CI conclusions a wave tolerates: a count, or a percentage of the wave's repositories. */
    public record FailureBudget(int value, boolean percent) {
        public static final FailureBudget NONE = new FailureBudget(0, false);

        /** Whether {@code failures} of a wave of {@code size} repositories are more than tolerated. */
        public boolean exceeded(int failures, int size) {
            if (!percent) {
                return failures > value;
            }
            return failures * 100L > (long) value * size;
        }
    }

    public enum OnTimeout { PROCEED, PAUSE }

    /**
     * @param waitFor     how long after a wave's runs ended its commits' CI results are awaited
     * @param maxFailures failed conclusions tolerated per wave
     * @param onTimeout   what a wave whose CI has not concluded by then does
     */
    public record Gate(Duration waitFor, FailureBudget maxFailures, OnTimeout onTimeout) {
        public static final Gate DEFAULT = new Gate(Duration.ofMinutes(10), FailureBudget.NONE, OnTimeout.PROCEED);
    }
}
