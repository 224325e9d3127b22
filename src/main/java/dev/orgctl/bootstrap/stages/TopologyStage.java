package dev.orgctl.bootstrap.stages;

import dev.orgctl.bootstrap.BootstrapContext;
import dev.orgctl.bootstrap.BootstrapException;
import dev.orgctl.bootstrap.Stage;
import dev.orgctl.bootstrap.StageName;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.ResourcePlan;
import dev.orgctl.nats.topology.TopologyReconciler;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Stage 4: streams, buckets and consumers. Once it is recorded, the bootstrap state lives in
 * ORGCTL_BOOTSTRAP (see {@link dev.orgctl.bootstrap.StateStores}).
 */
public final class TopologyStage implements Stage {
    @Override
    public StageName name() {
        return StageName.TOPOLOGY;
    }

    @Override
    public String plan(BootstrapContext ctx) {
        if (ctx.natsUrls().isEmpty()) {
            return "apply the JetStream topology (" + "streams, KV buckets, consumers) and move the bootstrap state into NATS";
        }
        List<ResourcePlan> plans = reconciler(ctx.nats()).plan(ctx.nats().topology());
        long changes = plans.stream().filter(ResourcePlan::changes).count();
        return changes == 0 ? "nothing to change in the topology; move the bootstrap state into NATS"
                : "apply " + changes + " topology change(s) and move the bootstrap state into NATS";
    }

    @Override
    public void precondition(BootstrapContext ctx) {
        ctx.nats(); // fails clearly when NATS is not there
    }

    @Override
    public Outcome apply(BootstrapContext ctx) {
        NatsRuntime nats = ctx.nats();
        List<ResourcePlan> plans = reconciler(nats).apply(nats.topology(), true);
        Optional<ResourcePlan.Blocked> blocked = plans.stream().filter(p -> p instanceof ResourcePlan.Blocked)
                .map(p -> (ResourcePlan.Blocked) p).findFirst();
        if (blocked.isPresent()) {
            throw new BootstrapException(blocked.get().spec().name() + " cannot be changed in place: "
                    + blocked.get().advice());
        }
        long changed = plans.stream().filter(ResourcePlan::changes).count();
        String summary = changed == 0 ? "all " + plans.size() + " resources already match"
                : changed + " of " + plans.size() + " resources created or updated";
        return changed == 0 ? Outcome.adopted(summary, Map.of()) : Outcome.done(summary, Map.of());
    }

    @Override
    public Optional<String> verify(BootstrapContext ctx) {
        List<ResourcePlan> plans = reconciler(ctx.nats()).plan(ctx.nats().topology());
        List<String> off = plans.stream().filter(ResourcePlan::changes).map(p -> p.spec().name()).toList();
        return off.isEmpty() ? Optional.empty()
                : Optional.of("topology differs for " + String.join(", ", off) + "; run 'orgctl topology plan'");
    }

    private static TopologyReconciler reconciler(NatsRuntime nats) {
        return new TopologyReconciler(nats.connection(), nats.connector().jetStreamOptions(),
                nats.connector().keyValueOptions());
    }
}
