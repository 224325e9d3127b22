package dev.orgctl.regen;

import dev.orgctl.hosts.RepositoryInfo;
import java.util.List;

/**
 * Splits a rollout's target repositories into its waves (docs/rollout.md): each wave takes, from
 * the targets no earlier wave took, those its selector matches or its share of them chosen stably
 * by a hash of the name; whatever the last wave leaves joins it. Every target is in exactly one wave.
 */
public final class Waves {
    private Waves() {
    }

    /** One wave: how it was chosen, in words, and its repositories' names (sorted). */
    public record Wave(String label, List<String> repos) {
        public Wave {
            repos = List.copyOf(repos);
        }
    }

    /**
     * @param config  the templates' configuration (groups a selector may name)
     * @param targets the repositories the rollout reaches
     */
    public static List<Wave> partition(RolloutConfig rollout, RegenConfig config, List<RepositoryInfo> targets) {
        // Placeholder until the wave specs are applied: one wave with every target.
        return List.of(new Wave("all", targets.stream().map(RepositoryInfo::name).sorted().toList()));
    }
}
