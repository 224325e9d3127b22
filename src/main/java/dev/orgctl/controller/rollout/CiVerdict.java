package dev.orgctl.controller.rollout;

import dev.orgctl.proto.CiCheck;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.RepoFailure;
import dev.orgctl.proto.RolloutPin;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the CI results of one repository's rollout commit say at a gate (docs/rollout.md, "CI
 * results"). Pure: the pin (what the run wrote) and the commit's CI record decide.
 */
public sealed interface CiVerdict {
    /** Conclusions that fail a gate: check suites and workflow runs, and commit statuses (failure, error). */
    Set<String> FAILING = Set.of("failure", "timed_out", "cancelled", "action_required", "startup_failure", "error");

    /** Nothing written (no change, verified), or every check completed without a failing conclusion. */
    record Passed() implements CiVerdict {
    }

    /** A failing conclusion, or the run itself failed. */
    record Failed(RepoFailure failure) implements CiVerdict {
    }

    /** No check reported for the commit yet: passes at the deadline ("no CI configured"). */
    record NoCheck() implements CiVerdict {
    }

    /** A check not completed yet, or an auto-merge pull request not merged yet. */
    record Pending(String what) implements CiVerdict {
    }

    static CiVerdict of(RolloutPin pin, Optional<CiRecord> ci) {
        if ("failed".equals(pin.getOutcome())) {
            return new Failed(RepoFailure.newBuilder().setRepo(pin.getRepo()).setSha(pin.getCommit())
                    .setConclusion("regeneration_failed").setName(pin.getError()).build());
        }
        if (pin.getCommit().isEmpty()) {
            return new Passed();
        }
        Map<String, CiCheck> checks = new TreeMap<>(ci.map(CiRecord::getChecksMap).orElse(Map.of()));
        for (Map.Entry<String, CiCheck> e : checks.entrySet()) {
            CiCheck c = e.getValue();
            if ("completed".equals(c.getStatus()) && FAILING.contains(c.getConclusion())) {
                return new Failed(RepoFailure.newBuilder().setRepo(pin.getRepo()).setSha(pin.getCommit())
                        .setConclusion(c.getConclusion()).setUrl(c.getUrl())
                        .setName(c.getName().isEmpty() ? e.getKey() : c.getName()).build());
            }
        }
        if (checks.isEmpty()) {
            return pin.getAwaitMerge() && !ci.map(CiRecord::getMerged).orElse(false)
                    ? new Pending("merge") : new NoCheck();
        }
        Optional<String> running = checks.entrySet().stream().filter(e -> !"completed".equals(e.getValue().getStatus()))
                .map(e -> e.getValue().getName().isEmpty() ? e.getKey() : e.getValue().getName()).findFirst();
        if (running.isPresent()) {
            return new Pending(running.get());
        }
        if (pin.getAwaitMerge() && !ci.map(CiRecord::getMerged).orElse(false)) {
            return new Pending("merge");
        }
        return new Passed();
    }
}
