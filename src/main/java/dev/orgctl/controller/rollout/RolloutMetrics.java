package dev.orgctl.controller.rollout;

import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import dev.orgctl.proto.RolloutState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The rollouts' Prometheus metrics (docs/rollout.md, "Operating it"): the current wave and the
 * repositories per state of each org's current rollout, as this replica's driver last saw them;
 * gate waits, gate failures and transitions as this replica made them.
 */
public final class RolloutMetrics {
    /** The states a repository of the current rollout is counted in. */
    static final List<String> REPO_STATES = List.of("waiting", "rolling", "gating", "passed", "failed");

    private final MeterRegistry registry;
    private final Map<String, AtomicInteger> gauges = new ConcurrentHashMap<>();

    public RolloutMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    private AtomicInteger gauge(String name, String description, String org, String state) {
        return gauges.computeIfAbsent(name + "|" + org + "|" + state, k -> {
            AtomicInteger v = new AtomicInteger();
            Gauge.Builder<AtomicInteger> b = Gauge.builder(name, v, AtomicInteger::get).description(description)
                    .tag("org", org);
            if (!state.isEmpty()) {
                b = b.tag("state", state);
            }
            b.register(registry);
            return v;
        });
    }

    /**
     * The org's current rollout as last seen: its wave (1-based, 0 when none is going) and repositories
     * per state.
     *
     * @param pins the current wave's pins by repository; {@code ci} their commits' CI records
     */
    public void observe(Rollout r, Map<String, RolloutPin> pins, Map<String, CiRecord> ci) {
        boolean going = r.getState() == RolloutState.ROLLOUT_ROLLING || r.getState() == RolloutState.ROLLOUT_GATING
                || r.getState() == RolloutState.ROLLOUT_PAUSED;
        gauge("orgctl_rollout_wave", "1-based current wave of the org's current rollout, 0 when none is going",
                r.getOrg(), "").set(going ? (int) r.getWave() + 1 : 0);
        Map<String, Integer> counts = new java.util.HashMap<>();
        for (int i = 0; i < r.getWavesCount(); i++) {
            for (String repo : r.getWaves(i).getReposList()) {
                counts.merge(stateOf(r, i, pins.get(repo), ci.get(repo)), 1, Integer::sum);
            }
        }
        for (String s : REPO_STATES) {
            gauge("orgctl_rollout_repositories", "Repositories of the org's current rollout, by state", r.getOrg(), s)
                    .set(counts.getOrDefault(s, 0));
        }
    }

    static String stateOf(Rollout r, int wave, RolloutPin pin, CiRecord ci) {
        if (wave > r.getWave() || !r.getWaves(wave).hasStartedAt()) {
            return "waiting";
        }
        // Gone past (an earlier wave) means it passed or its failure was accepted.
        if (wave < r.getWave() || r.getState() == RolloutState.ROLLOUT_COMPLETED) {
            return "passed";
        }
        if (!RolloutMachine.applied(r, pin)) {
            return "rolling";
        }
        CiVerdict v = CiVerdict.of(pin, Optional.ofNullable(ci));
        if (v instanceof CiVerdict.Failed) {
            return "failed";
        }
        if (v instanceof CiVerdict.Passed) {
            return "passed";
        }
        return "gating";
    }

    /** A transition this replica recorded, by the state it went to. */
    public void transition(RolloutState to) {
        Counter.builder("orgctl_rollout_transitions").description("Rollout transitions, by the state reached")
                .tag("state", to.name().substring("ROLLOUT_".length()).toLowerCase(Locale.ROOT))
                .register(registry).increment();
    }

    /** A gate decided after {@code waited}; {@code failures} repositories failed it. */
    public void gate(String org, Duration waited, int failures) {
        Timer.builder("orgctl_rollout_gate_wait").description("Time from a wave's gate start to its decision")
                .publishPercentileHistogram().register(registry).record(waited);
        Counter c = Counter.builder("orgctl_rollout_gate_failures")
                .description("Repositories that failed a rollout gate, by org").tag("org", org).register(registry);
        c.increment(failures);
    }
}
