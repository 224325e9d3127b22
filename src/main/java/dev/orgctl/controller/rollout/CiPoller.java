package dev.orgctl.controller.rollout;

import dev.orgctl.hosts.CommitChecks;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.proto.CiCheck;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CI records a gate decides on: what deliveries brought, and, for a commit still without a
 * result, what the host says when asked (GitHub: the commit's check suites and combined status; a
 * merge of an auto-merge pull request), at most every {@code poll} per commit and once more at the
 * gate's deadline. A poll's answer is stored like a delivery (source {@code poll}), so every replica
 * sees it and results missed while orgctl was down count.
 */
public final class CiPoller {
    private static final Logger log = LoggerFactory.getLogger(CiPoller.class);

    private final KvRollouts store;
    private final RepositoryHost host;
    private final Duration poll;
    private final Map<String, Instant> polled = new ConcurrentHashMap<>();

    public CiPoller(KvRollouts store, RepositoryHost host, Duration poll) {
        this.store = store;
        this.host = host;
        this.poll = poll;
    }

    /** CI records by repository of the current wave's commits, polled where due. */
    public Map<String, CiRecord> results(Rollout r, Map<String, RolloutPin> pins, Instant now) {
        if (polled.size() > 10_000) {
            polled.values().removeIf(t -> t.isBefore(now.minus(Duration.ofDays(1))));
        }
        Map<String, CiRecord> out = new HashMap<>();
        Instant deadline = RolloutMachine.toInstant(r.getWaves((int) r.getWave()).getGateDeadline());
        for (RolloutPin pin : pins.values()) {
            if (pin.getCommit().isEmpty() || !RolloutMachine.applied(r, pin)) {
                continue;
            }
            Optional<CiRecord> ci = store.ci(r.getOrg(), pin.getRepo(), pin.getCommit());
            CiVerdict v = CiVerdict.of(pin, ci);
            if ((v instanceof CiVerdict.NoCheck || v instanceof CiVerdict.Pending) && due(pin, now, deadline)) {
                poll(r.getOrg(), pin, now);
                ci = store.ci(r.getOrg(), pin.getRepo(), pin.getCommit());
            }
            ci.ifPresent(c -> out.put(pin.getRepo(), c));
        }
        return out;
    }

    private boolean due(RolloutPin pin, Instant now, Instant deadline) {
        Instant last = polled.get(key(pin));
        if (last == null) {
            return true;
        }
        boolean atDeadline = !now.isBefore(deadline) && last.isBefore(deadline);
        return atDeadline || !last.plus(poll).isAfter(now);
    }

    private void poll(String org, RolloutPin pin, Instant now) {
        polled.put(key(pin), now);
        RepoRef repo = new RepoRef(org, pin.getRepo());
        try {
            Optional<CommitChecks> checks = host.commitChecks(repo, pin.getCommit());
            for (CommitChecks.Check c : checks.map(CommitChecks::checks).orElse(java.util.List.of())) {
                store.mergeCi(org, pin.getRepo(), pin.getCommit(), Optional.of(CiCheck.newBuilder().setName(c.name())
                        .setStatus(c.status()).setConclusion(c.conclusion()).setUrl(c.url())
                        .setAt(RolloutMachine.ts(now)).setSource("poll").build()), c.key(), false);
            }
            if (pin.getAwaitMerge() && pin.getPullNumber() > 0
                    && host.proposalMerged(repo, pin.getPullNumber()).orElse(false)) {
                store.mergeCi(org, pin.getRepo(), pin.getCommit(), Optional.empty(), "", true);
            }
        } catch (RuntimeException e) {
            // The host away: the deliveries still count, and the next poll asks again.
            log.atWarn().addKeyValue("repo", repo.fullName()).addKeyValue("sha", pin.getCommit())
                    .addKeyValue("error", String.valueOf(e.getMessage())).log("could not poll CI results");
        }
    }

    private static String key(RolloutPin pin) {
        return pin.getOrg() + "/" + pin.getRepo() + "@" + pin.getCommit();
    }
}
