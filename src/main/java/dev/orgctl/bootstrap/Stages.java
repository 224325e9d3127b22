package dev.orgctl.bootstrap;

import dev.orgctl.bootstrap.stages.GatewayStage;
import dev.orgctl.bootstrap.stages.NatsStage;
import dev.orgctl.bootstrap.stages.PrerequisitesStage;
import dev.orgctl.bootstrap.stages.SelfManagementStage;
import dev.orgctl.bootstrap.stages.StateStage;
import dev.orgctl.bootstrap.stages.TopologyStage;
import dev.orgctl.bootstrap.stages.WebhooksStage;
import dev.orgctl.config.OrgctlConfig;
import java.util.List;

/** The stages in their order, wired for a configuration. */
public final class Stages {
    private Stages() {
    }

    public static List<Stage> all(OrgctlConfig config) {
        return List.of(
                new PrerequisitesStage(PrerequisitesStage.hostCheck(config)),
                new StateStage(),
                new NatsStage(),
                new TopologyStage(),
                new GatewayStage(java.time.Duration.ofMinutes(2)),
                new WebhooksStage(java.time.Duration.ofSeconds(60)),
                new SelfManagementStage(java.time.Duration.ofMinutes(5)));
    }
}
