package dev.orgctl.controller.rollout;

import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutGate;
import dev.orgctl.proto.RolloutWave;
import dev.orgctl.regen.RegenConfig;
import dev.orgctl.regen.RolloutConfig;
import dev.orgctl.regen.Waves;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Begins a rollout (docs/rollout.md, "How a rollout proceeds"): its record is created once, it
 * becomes the org's current rollout unless a later one already is, and every other rollout of the
 * org still going is superseded. Each step is idempotent, so the same delivery handled twice (or by
 * two replicas, or again after a crash half-way) ends the same.
 */
public final class RolloutStarter {
    private static final Logger log = LoggerFactory.getLogger(RolloutStarter.class);

    private final KvRollouts store;
    private final RolloutWorkflow workflow;
    private final Clock clock;

    public RolloutStarter(KvRollouts store, RolloutWorkflow workflow, Clock clock) {
        this.store = store;
        this.workflow = workflow;
        this.clock = clock;
    }

    /** Begins the rollout, or finds it begun; returns its record. */
    public Rollout begin(RolloutMachine.Begin b) {
        boolean created = store.create(RolloutMachine.begin(b, clock.instant()));
        Rollout r = store.get(b.org(), b.id()).orElseThrow(() -> new RolloutException("rollout " + b.id()
                + " of " + b.org() + " vanished as it began"));
        store.makeCurrent(r);
        String current = store.currentId(b.org()).orElse(r.getId());
        for (Rollout other : store.list(b.org())) {
            if (!other.getId().equals(current) && RolloutMachine.going(other.getState())) {
                store.update(b.org(), other.getId(), o -> RolloutMachine.supersede(o, current, b.actor(),
                        clock.instant())).ifPresent(s -> {
                            workflow.sync(s, s.getReason());
                            log.atInfo().addKeyValue("org", b.org()).addKeyValue("rollout", s.getId())
                                    .addKeyValue("by", current).log("rollout superseded");
                        });
            }
        }
        workflow.sync(store.get(b.org(), b.id()).orElse(r), "");
        if (created) {
            log.atInfo().addKeyValue("org", b.org()).addKeyValue("rollout", r.getId())
                    .addKeyValue("waves", r.getWavesCount()).addKeyValue("previous", r.getPreviousRevision())
                    .log("rollout began");
        }
        return store.get(b.org(), b.id()).orElse(r);
    }

    /** The waves of a rollout over {@code targets}, frozen into its record. */
    public static List<RolloutWave> waves(RolloutConfig rollout, RegenConfig config, List<RepositoryInfo> targets) {
        return Waves.partition(rollout, config, targets).stream()
                .map(w -> RolloutWave.newBuilder().setLabel(w.label()).addAllRepos(w.repos()).build()).toList();
    }

    public static RolloutGate gate(RolloutConfig.Gate g) {
        return RolloutGate.newBuilder().setWait(RolloutMachine.duration(g.waitFor()))
                .setMaxFailures(g.maxFailures().value()).setMaxFailuresPercent(g.maxFailures().percent())
                .setPauseOnTimeout(g.onTimeout() == RolloutConfig.OnTimeout.PAUSE).build();
    }
}
