package dev.orgctl.controller.rollout;

import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.proto.RolloutGate;
import dev.orgctl.proto.RolloutWave;
import dev.orgctl.regen.TemplateSnapshot;
import java.util.List;
import java.util.Optional;

/**
 * Whether templates roll out in waves, and which: read from their {@code orgctl.yaml}'s
 * {@code rollout} block ({@link #FROM_CONFIG}). The one place the controller asks, so that the
 * worker (which revision to render) and a template change (begin a rollout or schedule everything)
 * never disagree.
 */
public interface RolloutPlanner {
    /** The waves over the targets and the gate, frozen into a rollout when it begins. */
    record Plan(List<RolloutWave> waves, RolloutGate gate) {
        public Plan {
            waves = List.copyOf(waves);
        }
    }

    /** The rollout these templates begin over {@code targets}; empty: they reach every target at once. */
    Optional<Plan> plan(TemplateSnapshot templates, List<RepositoryInfo> targets);

    /** Whether these templates roll out in waves at all. */
    boolean configured(TemplateSnapshot templates);

    /** From the templates' own {@code orgctl.yaml}. */
    RolloutPlanner FROM_CONFIG = new RolloutPlanner() {
        @Override
        public Optional<Plan> plan(TemplateSnapshot templates, List<RepositoryInfo> targets) {
            return templates.config().rollout().map(r -> new Plan(RolloutStarter.waves(r, templates.config(), targets),
                    RolloutStarter.gate(r.gate())));
        }

        @Override
        public boolean configured(TemplateSnapshot templates) {
            return templates.config().rollout().isPresent();
        }
    };
}
