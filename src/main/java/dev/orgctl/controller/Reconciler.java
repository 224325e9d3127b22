package dev.orgctl.controller;

import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.coordination.Lease;
import dev.orgctl.coordination.LockService;
import dev.orgctl.coordination.WorkflowSnapshot;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.proto.JobReason;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.TemplateSnapshot;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The safety net: a full reconcile of every target repository, on demand and periodically. It
 * picks up what events missed (a repository that appeared without an event, a delivery GitHub
 * never sent), and re-queues workflows left PENDING by a controller that died between recording a
 * trigger and queueing its job. Periodic rounds are a singleton across replicas: the round takes a
 * lock and records when it ran in ORGCTL_CONTROLLER, so of several replicas one reconciles per
 * interval.
 */
public final class Reconciler {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final RepositoryHost host;
    private final JobScheduler scheduler;
    private final Workflows workflows;
    private final LockService locks;
    private final KeyValue controllerState;
    private final Clock clock;

    public Reconciler(RepositoryHost host, JobScheduler scheduler, Workflows workflows, LockService locks,
                      KeyValue controllerState, Clock clock) {
        this.host = host;
        this.scheduler = scheduler;
        this.workflows = workflows;
        this.locks = locks;
        this.controllerState = controllerState;
        this.clock = clock;
    }

    /** What one reconcile did. */
    public record Report(int targets, int queued, int coalesced, int recovered) {
    }

    /** Schedules a regeneration of every target repository of the org now. */
    public Report reconcileAll(String org, String causation) {
        TemplateSnapshot templates = new TemplateLoader(host).load(org);
        List<RepositoryInfo> targets = templates.targets(host.listRepositories(org));
        int queued = 0;
        for (RepositoryInfo r : targets) {
            if (scheduler.schedule(org, r.name(), JobReason.RECONCILE, templates.revision(), causation, 0)
                    == JobScheduler.Outcome.QUEUED) {
                queued++;
            }
        }
        int recovered = recoverStalePending(Duration.ofMinutes(2));
        Report report = new Report(targets.size(), queued, targets.size() - queued, recovered);
        log.atInfo().addKeyValue("org", org).addKeyValue("causation", causation).addKeyValue("targets", report.targets())
                .addKeyValue("queued", report.queued()).addKeyValue("recovered", report.recovered())
                .log("full reconcile scheduled");
        return report;
    }

    /**
     * One periodic round, if no replica did one within {@code every}: the singleton of the
     * periodic reconcile. Returns empty when another replica holds the round or did it recently.
     */
    public Optional<Report> periodicRound(String org, Duration every) {
        String name = "controller/reconcile/" + org;
        Optional<Lease> lease = locks.tryAcquire(name, "periodic reconcile");
        if (lease.isEmpty()) {
            return Optional.empty();
        }
        try (Lease held = lease.get()) {
            String key = KeyCodec.encode("reconcile/" + org);
            Optional<Instant> last = lastRun(key);
            Instant now = clock.instant();
            if (last.isPresent() && last.get().plus(every.multipliedBy(9).dividedBy(10)).isAfter(now)) {
                return Optional.empty();
            }
            Report r = reconcileAll(org, "reconcile-" + now.getEpochSecond());
            held.checkStillHeld();
            controllerState.put(key, now.toString().getBytes(StandardCharsets.UTF_8));
            return Optional.of(r);
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot record the reconcile round: " + e.getMessage(), e);
        }
    }

    /** Re-queues the job of every workflow PENDING for longer than {@code olderThan}. */
    public int recoverStalePending(Duration olderThan) {
        int n = 0;
        Instant cutoff = clock.instant().minus(olderThan);
        for (WorkflowSnapshot w : workflows.list()) {
            if (w.state() != WorkflowState.PENDING || !w.workflowId().startsWith("regen/")) {
                continue;
            }
            Instant updated = Instant.ofEpochSecond(w.record().getUpdatedAt().getSeconds());
            if (updated.isAfter(cutoff)) {
                continue;
            }
            String[] parts = w.workflowId().split("/", 3);
            scheduler.enqueue(parts[1], parts[2], w.record().getTrigger(),
                    "job-" + KeyCodec.encode(w.workflowId()) + "-recover-" + w.revision());
            n++;
        }
        return n;
    }

    private Optional<Instant> lastRun(String key) throws IOException, JetStreamApiException {
        KeyValueEntry e = controllerState.get(key);
        if (e == null || e.getValue() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(new String(e.getValue(), StandardCharsets.UTF_8)));
        } catch (RuntimeException ex) {
            return Optional.empty();
        }
    }
}
