package dev.orgctl.tfstate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The backend's meters: {@code orgctl_tfstate_requests_total{method,outcome}},
 * {@code orgctl_tfstate_bytes{direction}} (state sizes written and read),
 * {@code orgctl_tfstate_lock_hold_seconds} (how long released locks were held) and
 * {@code orgctl_tfstate_locks_released_by_max_hold_total} and
 * {@code orgctl_tfstate_locks_released_by_run_end_total}.
 */
public final class TfstateMetrics implements StateLocks.Listener {
    private final MeterRegistry registry;
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final DistributionSummary written;
    private final DistributionSummary read;
    private final Timer holds;
    private final Counter releasedByMaxHold;
    private final Counter releasedByRunEnd;

    public TfstateMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.written = DistributionSummary.builder("orgctl.tfstate.bytes").baseUnit("bytes").tag("direction", "written")
                .description("sizes of the states written and read").register(registry);
        this.read = DistributionSummary.builder("orgctl.tfstate.bytes").baseUnit("bytes").tag("direction", "read")
                .description("sizes of the states written and read").register(registry);
        this.holds = Timer.builder("orgctl.tfstate.lock.hold").description("how long state locks were held")
                .register(registry);
        this.releasedByMaxHold = Counter.builder("orgctl.tfstate.locks.released.by.max.hold")
                .description("state locks released because they were held longer than tfstate.max_hold")
                .register(registry);
        this.releasedByRunEnd = Counter.builder("orgctl.tfstate.locks.released.by.run.end")
                .description("state locks released because GitHub reported the run holding them completed")
                .register(registry);
        for (String method : new String[] {"GET", "POST", "DELETE", "LOCK", "UNLOCK"}) {
            request(method, "ok", 0);
        }
    }

    /** One answered request; {@code count} 0 only creates the series. */
    void request(String method, String outcome, int count) {
        requests.computeIfAbsent(method + " " + outcome, k -> Counter.builder("orgctl.tfstate.requests")
                .description("state backend requests by method and outcome").tag("method", method)
                .tag("outcome", outcome).register(registry)).increment(count);
    }

    void written(long bytes) {
        written.record((double) bytes);
    }

    void read(long bytes) {
        read.record((double) bytes);
    }

    void releasedByRunEnd() {
        releasedByRunEnd.increment();
    }

    void held(Duration d) {
        holds.record(d);
    }

    @Override
    public void releasedByMaxHold(StateName name, StateLock lock) {
        releasedByMaxHold.increment();
    }
}
