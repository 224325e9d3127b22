package dev.orgctl.controller.rollout;

import dev.orgctl.controller.GitHubEvent;
import dev.orgctl.proto.CiCheck;
import dev.orgctl.proto.Rollout;
import dev.orgctl.regen.TemplateSnapshot;
import java.time.Clock;
import java.util.Optional;

/**
 * What deliveries do to rollouts (docs/rollout.md): a template change whose newest templates have a
 * {@code rollout} block begins a rollout instead of scheduling every repository, and CI results are
 * kept per commit for the gates, whether or not a rollout waits for them yet.
 */
public final class RolloutEvents {
    private final KvRollouts store;
    private final RolloutStarter starter;
    private final RolloutWorkflow workflow;
    private final Clock clock;

    public RolloutEvents(KvRollouts store, RolloutWorkflow workflow, Clock clock) {
        this.store = store;
        this.workflow = workflow;
        this.starter = new RolloutStarter(store, workflow, clock);
        this.clock = clock;
    }

    /**
     * Begins the rollout of {@code now} (the pushed templates) over {@code targets}. The org's stable
     * revision is set when it has none: the push's previous revision, else this one, so repositories
     * no wave reached stay where they were.
     */
    public Rollout begin(TemplateSnapshot now, RolloutPlanner.Plan plan, Optional<String> pushedOver, String org,
                         String causation, String actor) {
        String stable = store.stableIfAbsent(org, pushedOver.orElse(now.revision()));
        return starter.begin(new RolloutMachine.Begin(org, now.revision(), now.revision(), stable, plan.waves(),
                plan.gate(), "", causation, actor));
    }

    /**
     * A template change without a {@code rollout} block reaches every target at once: a rollout
     * still going would wait forever for runs that now render the newest templates, so it is
     * superseded by that revision, which becomes the org's stable one (the pins go: see
     * {@link KvRollouts#reachedEveryone}). Returns the superseded rollout, if any.
     */
    public Optional<Rollout> reachEveryone(String org, String revision, String actor) {
        Optional<Rollout> done = store.currentId(org).flatMap(current -> store.update(org, current,
                r -> RolloutMachine.supersede(r, revision, actor, clock.instant())));
        done.ifPresent(r -> workflow.sync(r, r.getReason()));
        store.reachedEveryone(org, revision);
        return done;
    }

    /** Merges a delivered CI result into the commit's record (the same delivery twice changes nothing). */
    public void ci(String org, String repo, GitHubEvent.CiResult r) {
        Optional<CiCheck> check = r.key().isEmpty() ? Optional.empty()
                : Optional.of(CiCheck.newBuilder().setName(r.name()).setStatus(r.status()).setConclusion(r.conclusion())
                        .setUrl(r.url()).setAt(RolloutMachine.ts(clock.instant()))
                        .setSource(r.key().substring(0, r.key().indexOf(':'))).build());
        store.mergeCi(org, repo, r.sha(), check, r.key(), r.merged());
    }
}
