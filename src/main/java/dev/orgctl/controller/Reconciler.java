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
import dev.orgctl.regen.ConfigTypos;
import dev.orgctl.regen.TemplateError;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.TemplateSnapshot;
import dev.orgctl.regen.Verification;
import dev.orgctl.regen.VerifiedRepos;
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
    /**
     * A regeneration PENDING this long with no job of its repository in the queue has lost its job.
     * Short, because the queue is checked: a job merely waiting behind others is never queued twice.
     */
    public static final Duration LOST_JOB_AFTER = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final RepositoryHost host;
    private final JobScheduler scheduler;
    private final Workflows workflows;
    private final LockService locks;
    private final KeyValue controllerState;
    private final Clock clock;
    private final Verification verification;
    private final ControllerMetrics metrics;

    public Reconciler(RepositoryHost host, JobScheduler scheduler, Workflows workflows, LockService locks,
                      KeyValue controllerState, Clock clock) {
        this(host, scheduler, workflows, locks, controllerState, clock, VerifiedRepos.NONE, null);
    }

    /**
     * @param verified repositories as last verified (ORGCTL_VERIFIED): one whose head and fingerprint
     *                 did not move gets no job
     * @param metrics  where unknown {@code repos.<name>} entries are counted (null: not counted)
     */
    public Reconciler(RepositoryHost host, JobScheduler scheduler, Workflows workflows, LockService locks,
                      KeyValue controllerState, Clock clock, VerifiedRepos verified, ControllerMetrics metrics) {
        this.verification = new Verification(host, verified);
        this.metrics = metrics;
        this.host = host;
        this.scheduler = scheduler;
        this.workflows = workflows;
        this.locks = locks;
        this.controllerState = controllerState;
        this.clock = clock;
    }

    /**
     * What one reconcile did: {@code verified} targets were skipped unread (head and fingerprint as
     * last verified); {@code unknownRepos} {@code repos.<name>} entries name no repository of the org.
     */
    public record Report(int targets, int queued, int coalesced, int recovered, int verified, int unknownRepos) {
    }

    /** Schedules a regeneration of every target repository of the org that is not as last verified, now. */
    public Report reconcileAll(String org, String causation) {
        TemplateSnapshot templates = new TemplateLoader(host).load(org);
        List<RepositoryInfo> all = host.listRepositories(org);
        List<TemplateError> unknown = ConfigTypos.unknown(templates, all);
        for (TemplateError e : unknown) {
            log.atWarn().addKeyValue("org", org).addKeyValue("error", e.message())
                    .log("orgctl.yaml names a repository that does not exist");
        }
        if (metrics != null) {
            metrics.unknownRepos(org, unknown.size());
        }
        List<RepositoryInfo> targets = templates.targets(all);
        int queued = 0;
        int verified = 0;
        for (RepositoryInfo r : targets) {
            if (verification.skip(templates, r).isPresent()) {
                verified++;
            } else if (scheduler.schedule(org, r.name(), JobReason.RECONCILE, templates.revision(), causation, 0)
                    == JobScheduler.Outcome.QUEUED) {
                queued++;
            }
        }
        int recovered = recoverStalePending(LOST_JOB_AFTER);
        Report report = new Report(targets.size(), queued, targets.size() - queued - verified, recovered, verified,
                unknown.size());
        log.atInfo().addKeyValue("org", org).addKeyValue("causation", causation).addKeyValue("targets", report.targets())
                .addKeyValue("queued", report.queued()).addKeyValue("verified", report.verified())
                .addKeyValue("recovered", report.recovered()).log("full reconcile scheduled");
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

    /**
     * Re-queues the job of every workflow PENDING for longer than {@code olderThan} (since it became
     * PENDING: triggers coalesced into it meanwhile do not make it younger, or a repository pushed
     * to often enough would never get its lost job back).
     */
    public int recoverStalePending(Duration olderThan) {
        int n = 0;
        Instant cutoff = clock.instant().minus(olderThan);
        for (WorkflowSnapshot w : workflows.list()) {
            if (scheduler.requeueIfLost(w, cutoff)) {
                n++;
            }
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
