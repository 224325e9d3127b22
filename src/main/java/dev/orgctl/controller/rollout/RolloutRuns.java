package dev.orgctl.controller.rollout;

import dev.orgctl.hosts.PullRequestRef;
import dev.orgctl.proto.RolloutPin;
import dev.orgctl.regen.RegenResult;
import dev.orgctl.regen.TemplateSnapshot;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a regeneration run asks of the rollouts (docs/rollout.md, "How a rollout proceeds"): the
 * revision it renders while the newest templates have a {@code rollout} block (the repository's pin,
 * else the org's stable revision), and, afterwards, what it did, on the pin whose revision it rendered.
 */
public final class RolloutRuns {
    private static final Logger log = LoggerFactory.getLogger(RolloutRuns.class);

    /** Without rollouts (tests of the worker alone): every run renders the newest templates. */
    public static final RolloutRuns NONE = new RolloutRuns(null, RolloutPlanner.FROM_CONFIG);

    private final KvRollouts store;
    private final RolloutPlanner planner;

    public RolloutRuns(KvRollouts store, RolloutPlanner planner) {
        this.store = store;
        this.planner = planner;
    }

    /**
     * The revision to render instead of the newest templates: when those roll out in waves, the
     * repository's pin, else the org's stable revision; empty: the newest.
     */
    public Optional<String> revision(TemplateSnapshot newest, String repo) {
        if (store == null || !planner.configured(newest)) {
            return Optional.empty();
        }
        String org = newest.templatesRepo().org();
        return store.pin(org, repo).map(RolloutPin::getRevision).or(() -> store.stable(org));
    }

    /** A run that rendered {@code revision} ended with {@code result}: recorded if the pin names that revision. */
    public void ran(String org, String repo, String revision, RegenResult result) {
        if (store == null) {
            return;
        }
        store.recordRun(org, repo, revision, p -> {
            if (result instanceof RegenResult.Committed c) {
                return p.setOutcome("committed").setCommit(c.commitId());
            }
            if (result instanceof RegenResult.Proposed pr) {
                p.setOutcome("proposed").setCommit(pr.commitId());
                pr.pull().ifPresent(pull -> p.setPullNumber(pull.number())
                        .setAwaitMerge(pull.autoMerge() == PullRequestRef.AutoMerge.ENABLED));
                return p;
            }
            if (result instanceof RegenResult.Unchanged) {
                return p.setOutcome("verified");
            }
            return p.setOutcome("no_change");
        });
    }

    /** A run that rendered nothing (the repository is gone): nothing for its wave to wait for. */
    public void nothing(String org, String repo) {
        if (store != null) {
            store.pin(org, repo).ifPresent(pin -> store.recordRun(org, repo, pin.getRevision(),
                    p -> p.setOutcome("no_change")));
        }
    }

    /**
     * The repository's run ended FAILED (template error, safety layer, dead letter): a failure of the
     * wave it was pinned for, whatever revision it got to.
     */
    public void failed(String org, String repo, String error) {
        if (store == null) {
            return;
        }
        try {
            store.pin(org, repo).ifPresent(pin -> store.recordRun(org, repo, pin.getRevision(),
                    p -> p.setOutcome("failed").setError(error)));
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("repo", org + "/" + repo).addKeyValue("error", e.getMessage())
                    .log("could not record the failed run on its rollout pin");
        }
    }
}
