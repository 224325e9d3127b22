package dev.orgctl.controller;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The controller's Prometheus metrics. Each snake-prevention layer has its own label value, so an
 * operator sees which layer stopped what:
 * {@code orgctl_controller_snake_stopped_total{layer="own_commit|no_diff|depth|breaker"}}.
 */
public final class ControllerMetrics {
    private final MeterRegistry registry;
    private final Map<String, AtomicInteger> unknownRepos =
            new ConcurrentHashMap<>();

    public ControllerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void delivery(String kind) {
        Counter.builder("orgctl_controller_deliveries").description("Deliveries classified, by what they meant")
                .tag("kind", kind).register(registry).increment();
    }

    public void snakeStopped(String layer) {
        Counter.builder("orgctl_controller_snake_stopped").description("Loops prevented, by snake-prevention layer")
                .tag("layer", layer).register(registry).increment();
    }

    public void job(String outcome) {
        Counter.builder("orgctl_controller_jobs").description("Regeneration jobs finished, by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }

    public void scheduled(String outcome) {
        Counter.builder("orgctl_controller_triggers").description("Regeneration triggers: queued or coalesced")
                .tag("outcome", outcome).register(registry).increment();
    }

    /** A template set that failed to render for one repository (the others were applied); "" for orgctl.yaml. */
    public void templateError(String set) {
        Counter.builder("orgctl_controller_template_errors")
                .description("Template sets that failed to render for a repository, by set")
                .tag("set", set.isEmpty() ? "orgctl.yaml" : set)
                .register(registry).increment();
    }

    /**
     * {@code repos.<name>} entries of orgctl.yaml that name no repository of the org, as of the last
     * full reconcile: a gauge an alert can watch (a typo silently gives a repository the defaults).
     */
    public void unknownRepos(String org, int count) {
        unknownRepos.computeIfAbsent(org, o -> {
            AtomicInteger v = new AtomicInteger();
            Gauge.builder("orgctl_config_unknown_repos", v, AtomicInteger::get)
                    .description("repos.<name> entries of orgctl.yaml that name no repository of the org")
                    .tag("org", o).register(registry);
            return v;
        }).set(count);
    }

    public void deadLetter(String stoppedBy) {
        Counter.builder("orgctl_controller_dead_letters").description("Messages sent to ORGCTL_DLQ, by cause")
                .tag("stopped_by", stoppedBy).register(registry).increment();
    }

    /**
     * A job that could not keep or take its repository's lock: {@code kind} is {@code lost} (the
     * lease was lost mid-run) or {@code inconsistent} (the bucket did not read back a create).
     */
    public void lockFailure(String bucket, String kind) {
        Counter.builder("orgctl_controller_lock_failures")
                .description("Jobs that lost or could not trust their repository lock, by bucket and kind")
                .tag("bucket", bucket).tag("kind", kind).register(registry).increment();
    }

    /**
     * A message whose handling failed outright (for example its dead letter could not be written):
     * it stays unacknowledged and comes back; the loop goes on.
     */
    public void unfinished(String loop) {
        Counter.builder("orgctl_controller_unfinished")
                .description("Messages left unacknowledged after a failure (such as a DLQ write); they are redelivered")
                .tag("loop", loop).register(registry).increment();
    }

    public Timer jobTimer() {
        return Timer.builder("orgctl_controller_job_duration").description("Time to work one regeneration job")
                .publishPercentileHistogram().register(registry);
    }

    /** Gauges that tests read back (NaN when absent). */
    public double gauge(String name, String tag, String value) {
        Gauge g = registry.find(name).tag(tag, value).gauge();
        return g == null ? Double.NaN : g.value();
    }

    /** Counters that tests and the demo read back. */
    public double count(String name, String tag, String value) {
        Counter c = registry.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }
}
