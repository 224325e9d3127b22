package dev.orgctl.tfstate;

import dev.orgctl.controller.GitHubEvent;
import dev.orgctl.controller.RunLocks;
import dev.orgctl.tfstate.auth.Caller;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases the state locks a GitHub Actions run holds when GitHub delivers that the run completed
 * (success, failure or cancelled alike): the stuck lock of a cancelled run is the one every other
 * backend leaves for a person. A lock whose attempt is later than the delivery's stays: a re-run
 * (a new {@code run_attempt} of the same run id) may hold it while the earlier attempt's end
 * arrives late.
 */
public final class RunLockReleaser implements RunLocks {
    private static final Logger log = LoggerFactory.getLogger(RunLockReleaser.class);

    private final StateLocks locks;
    private final TfstateMetrics metrics;
    private final Clock clock;

    public RunLockReleaser(StateLocks locks, TfstateMetrics metrics, Clock clock) {
        this.locks = locks;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public int releaseHeldBy(GitHubEvent.RunEnd run, String deliveryId) {
        int released = 0;
        for (StateLocks.Held h : locks.list()) {
            if (h.lock().holderRun().filter(r -> heldBy(r, run)).isEmpty()) {
                continue;
            }
            // At the revision read: a lock someone took since is not this run's and stays.
            if (locks.release(h.name(), h.lock())) {
                released++;
                metrics.releasedByRunEnd();
                metrics.held(Duration.between(h.lock().lockedAtInstant(), clock.instant()));
                log.atWarn().addKeyValue("state", h.name().value()).addKeyValue("lock_id", h.lock().id())
                        .addKeyValue("holder", h.lock().subject()).addKeyValue("locked_at", h.lock().lockedAt())
                        .addKeyValue("run", run.repository() + "/actions/runs/" + run.runId())
                        .addKeyValue("attempt", run.attempt()).addKeyValue("conclusion", run.conclusion())
                        .addKeyValue("delivery", deliveryId)
                        .log("state lock released: the GitHub Actions run that held it completed");
            }
        }
        return released;
    }

    /** The same run, and an attempt no later than the one that ended (0: not known, any attempt). */
    static boolean heldBy(Caller.GitHubRun holder, GitHubEvent.RunEnd ended) {
        return holder.repository().equalsIgnoreCase(ended.repository()) && holder.runId() == ended.runId()
                && (holder.attempt() == 0 || ended.attempt() == 0 || holder.attempt() <= ended.attempt());
    }
}
