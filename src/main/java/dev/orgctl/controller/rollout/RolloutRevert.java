package dev.orgctl.controller.rollout;

import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import dev.orgctl.proto.RolloutWave;
import dev.orgctl.regen.RolloutConfig;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.TemplateSnapshot;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code orgctl rollout revert}: the repositories a rollout already reached go back to the revision
 * it replaced, as a rollout of their own ({@code revert-<revision>}) with the good revision's waves
 * and gate; the reverted rollout is aborted first if it was still going.
 */
final class RolloutRevert {
    private final KvRollouts store;
    private final RepositoryHost host;
    private final Clock clock;
    private final RolloutWorkflow workflow;

    RolloutRevert(KvRollouts store, RepositoryHost host, Clock clock, RolloutWorkflow workflow) {
        this.store = store;
        this.host = host;
        this.clock = clock;
        this.workflow = workflow;
    }

    Rollout revert(String org, String id, String actor) {
        Rollout bad = store.get(org, id).orElseThrow(() -> new RolloutException("no rollout " + id + " in " + org));
        if (bad.getPreviousRevision().isEmpty() || bad.getPreviousRevision().equals(bad.getRevision())) {
            throw new RolloutException("rollout " + id + " of " + org + " replaced no earlier revision: nothing to "
                    + "revert to");
        }
        Set<String> reached = new TreeSet<>();
        for (RolloutPin p : store.pins(org)) {
            if (p.getRolloutId().equals(id)) {
                reached.add(p.getRepo());
            }
        }
        if (reached.isEmpty()) {
            throw new RolloutException("rollout " + id + " of " + org + " reached no repository: nothing to revert"
                    + (RolloutMachine.going(bad.getState()) ? " (abort it to stop it)" : ""));
        }
        if (RolloutMachine.going(bad.getState())) {
            Rollout aborted = store.operate(org, id, r -> RolloutMachine.going(r.getState())
                    ? RolloutMachine.abort(r, actor, "reverted", clock.instant()) : r);
            workflow.sync(aborted, aborted.getReason());
        }
        TemplateSnapshot good = new TemplateLoader(host).loadAt(TemplateLoader.templatesRepo(org),
                bad.getPreviousRevision());
        List<RepositoryInfo> targets = host.listRepositories(org).stream().filter(r -> reached.contains(r.name()))
                .toList();
        RolloutConfig config = good.config().rollout().orElse(new RolloutConfig(List.of(), RolloutConfig.Gate.DEFAULT));
        List<RolloutWave> waves = good.config().rollout().isPresent()
                ? RolloutStarter.waves(config, good.config(), targets)
                : List.of(RolloutWave.newBuilder().setLabel("all").addAllRepos(reached).build());
        RolloutMachine.Begin b = new RolloutMachine.Begin(org, "revert-" + bad.getRevision(), bad.getPreviousRevision(),
                bad.getRevision(), waves, RolloutStarter.gate(config.gate()), id, "revert-" + id, actor);
        return new RolloutStarter(store, workflow, clock).begin(b);
    }
}
