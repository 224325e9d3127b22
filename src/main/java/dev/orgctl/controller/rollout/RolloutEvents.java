package dev.orgctl.controller.rollout;

import dev.orgctl.controller.GitHubEvent;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.proto.CiCheck;
import dev.orgctl.proto.Rollout;
import dev.orgctl.regen.RolloutConfig;
import dev.orgctl.regen.TemplateSnapshot;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * What deliveries do to rollouts (docs/rollout.md): a template change whose newest templates have a
 * {@code rollout} block begins a rollout instead of scheduling every repository, and CI results are
 * kept per commit for the gates, whether or not a rollout waits for them yet.
 */
public final class RolloutEvents {
    private final KvRollouts store;
    private final RolloutStarter starter;
    private final Clock clock;

    public RolloutEvents(KvRollouts store, RolloutWorkflow workflow, Clock clock) {
        this.store = store;
        this.starter = new RolloutStarter(store, workflow, clock);
        this.clock = clock;
    }

    /**
     * Begins the rollout of {@code now} (the pushed templates) over {@code targets}. The org's stable
     * revision is set when it has none: the push's previous revision, else this one, so repositories
     * no wave reached stay where they were.
     */
    public Rollout begin(TemplateSnapshot now, RolloutConfig rollout, Optional<String> pushedOver,
                         List<RepositoryInfo> targets, String org, String causation, String actor) {
        String stable = store.stableIfAbsent(org, pushedOver.orElse(now.revision()));
        return starter.begin(new RolloutMachine.Begin(org, now.revision(), now.revision(), stable,
                RolloutStarter.waves(rollout, now.config(), targets), RolloutStarter.gate(rollout.gate()), "",
                causation, actor));
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
