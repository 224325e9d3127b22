package dev.orgctl.controller;

import dev.orgctl.controller.rollout.RolloutRuns;
import dev.orgctl.coordination.Lease;
import dev.orgctl.coordination.LeaseLostException;
import dev.orgctl.coordination.LockService;
import dev.orgctl.coordination.LockStateCorruptException;
import dev.orgctl.coordination.Run;
import dev.orgctl.coordination.StaleRunException;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.proto.RegenJob;
import dev.orgctl.regen.RegenExecutor;
import dev.orgctl.regen.RegenPlanner;
import dev.orgctl.regen.RegenResult;
import dev.orgctl.regen.RunContext;
import dev.orgctl.regen.TemplateException;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.TemplateSnapshot;
import dev.orgctl.regen.Verification;
import dev.orgctl.regen.VerifiedRepos;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works one regeneration job, the reconcile loop of one repository: observe (lock, start the
 * run, read the newest templates and the repository), diff (plan), act (one fenced commit),
 * record (own commit, breaker, workflow state, follow-up: {@link RunRecorder}). Safety layers 3 and 4 of snake
 * prevention (causation depth, circuit breaker) stop a job here before it writes.
 */
public final class Worker {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final RepositoryHost host;
    private final TemplateLoader templates;
    private final RegenExecutor executor;
    private final LockService locks;
    private final Workflows workflows;
    private final RunRecorder recorder;
    private final CircuitBreaker breaker;
    private final ControllerSettings settings;
    private final ControllerMetrics metrics;
    private final Verification verification;
    private final RolloutRuns rollouts;
    // The newest templates and a pinned revision have a cache each, so alternating between them recompiles neither.
    private final TemplateLoader pinnedTemplates;

    public Worker(RepositoryHost host, LockService locks, Workflows workflows, JobScheduler scheduler,
                  OwnCommits ownCommits, CircuitBreaker breaker, ControllerSettings settings, ControllerMetrics metrics) {
        this(host, locks, workflows, scheduler, ownCommits, breaker, settings, metrics, VerifiedRepos.NONE);
    }

    /** @param verified where repositories as last verified are kept (ORGCTL_VERIFIED): unchanged ones are not read */
    public Worker(RepositoryHost host, LockService locks, Workflows workflows, JobScheduler scheduler,
                  OwnCommits ownCommits, CircuitBreaker breaker, ControllerSettings settings, ControllerMetrics metrics,
                  VerifiedRepos verified) {
        this(host, locks, workflows, scheduler, ownCommits, breaker, settings, metrics, verified, RolloutRuns.NONE);
    }

    /** @param rollouts the revision a repository is pinned to by a rollout, and where its runs are recorded */
    public Worker(RepositoryHost host, LockService locks, Workflows workflows, JobScheduler scheduler,
                  OwnCommits ownCommits, CircuitBreaker breaker, ControllerSettings settings, ControllerMetrics metrics,
                  VerifiedRepos verified, RolloutRuns rollouts) {
        this.rollouts = rollouts;
        this.pinnedTemplates = new TemplateLoader(host);
        this.verification = new Verification(host, verified);
        this.host = host;
        this.templates = new TemplateLoader(host);
        this.executor = new RegenExecutor(host, new RegenPlanner(host), settings.identity(), 5,
                dev.orgctl.hosts.ProposalRequest.DEFAULT_BRANCH);
        this.locks = locks;
        this.workflows = workflows;
        this.recorder = new RunRecorder(workflows, scheduler, ownCommits, breaker, metrics);
        this.breaker = breaker;
        this.settings = settings;
        this.metrics = metrics;
    }

    /**
     * @param delivery which delivery of the job's message this is (1 for the first). Failed runs are
     *                 counted by the workflow (each retry takes the run over, attempt + 1), so
     *                 deliveries spent waiting (settling, a busy lock) do not count as attempts.
     */
    public Outcome work(RegenJob job, int delivery) {
        String wf = JobScheduler.workflowId(job.getOrg(), job.getRepo());
        Optional<Duration> settling = settling(wf, job);
        if (settling.isPresent()) {
            return new Outcome.Retry(settling.get(), "a burst of template changes settles");
        }
        String runId = job.getJobId() + "-" + delivery;
        Optional<Lease> lease;
        try {
            lease = locks.acquire(wf, "regen " + runId, settings.lockWait());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome.Retry(Duration.ofSeconds(1), "interrupted");
        } catch (LockStateCorruptException e) {
            return lockUnusable(wf, runId, delivery, "inconsistent", e.getMessage(),
                    () -> workflows.abandon(wf, e.getMessage()));
        }
        if (lease.isEmpty()) {
            log.atInfo().addKeyValue("workflow", wf).addKeyValue("job", job.getJobId())
                    .log("repository locked by another worker; job handed back");
            return new Outcome.Retry(Duration.ofSeconds(2), "repository locked by another worker");
        }
        try (Lease held = lease.get()) {
            Optional<Run> started = workflows.start(wf, runId, held);
            if (started.isEmpty()) {
                metrics.job("nothing_to_run");
                log.atDebug().addKeyValue("workflow", wf).addKeyValue("job", job.getJobId()).log("nothing to run");
                return new Outcome.Done("nothing_to_run");
            }
            Run run = started.get();
            int attempt = run.attempt();
            RetryPolicy retry = settings.retry();
            // Failed runs are counted by the workflow; deliveries only bound a job that never gets to fail.
            boolean lastAttempt = retry.spent(attempt) || delivery >= 10 * retry.maxAttempts();
            try {
                return runOnce(run, job, held);
            } catch (StageException | dev.orgctl.hosts.HostException e) {
                String error = e.getMessage();
                // A host that refused (a 404, a missing permission, a failed validation) answers the same
                // until a person acts: dead-lettered at once, as the dispatcher does with any such failure.
                if (!e.retryable()) {
                    return stopped(run, job, "poison", error, error);
                }
                if (!lastAttempt) {
                    // The run stays RUNNING: the retry holds the lock with a larger token and takes it over.
                    log.atWarn().addKeyValue("workflow", wf).addKeyValue("run", runId).addKeyValue("attempt", attempt)
                            .addKeyValue("error", error).log("regeneration failed; it will be retried");
                    return new Outcome.Retry(retry.delay(attempt), error);
                }
                log.atError().addKeyValue("workflow", wf).addKeyValue("run", runId).addKeyValue("attempts", attempt)
                        .addKeyValue("error", error).log("regeneration failed every attempt; sent to the DLQ");
                return new Outcome.Terminal("attempts", error, attempt, () -> {
                    recorder.endFailed(run, error);
                    rollouts.failed(job.getOrg(), job.getRepo(), error);
                    metrics.job("failed");
                });
            } catch (LeaseLostException e) {
                String error = e.getMessage() + " (lock bucket " + locks.bucket() + ")";
                return lockUnusable(wf, runId, attempt, "lost", error, () -> {
                    recorder.endFailed(run, error);
                    rollouts.failed(job.getOrg(), job.getRepo(), error);
                });
            } catch (StaleRunException e) {
                log.atWarn().addKeyValue("workflow", wf).addKeyValue("run", runId).addKeyValue("error", e.getMessage())
                        .log("run lost its lock mid-way; the next holder takes it over");
                return new Outcome.Retry(settings.retry().delay(attempt), e.getMessage());
            }
        }
    }

    /**
     * The repository's lock was lost mid-run, or could not be trusted: retried (the next holder
     * takes the run over) until the job has failed this way {@code maxLockFailures} times; then the
     * workflow ends FAILED, the job goes to the DLQ and an ERROR names the bucket, never a retry
     * loop that leaves every workflow RUNNING.
     */
    private Outcome lockUnusable(String wf, String runId, int failures, String kind, String error,
                                Runnable failWorkflow) {
        metrics.lockFailure(locks.bucket(), kind);
        if (failures < settings.maxLockFailures()) {
            log.atWarn().addKeyValue("workflow", wf).addKeyValue("run", runId).addKeyValue("bucket", locks.bucket())
                    .addKeyValue("failures", failures).addKeyValue("error", error)
                    .log("run could not keep its lock; it will be retried");
            return new Outcome.Retry(settings.retry().delay(failures), error);
        }
        log.atError().addKeyValue("workflow", wf).addKeyValue("run", runId).addKeyValue("bucket", locks.bucket())
                .addKeyValue("failures", failures).addKeyValue("error", error)
                .log("regeneration gave up: the repository lock in " + locks.bucket() + " failed " + failures
                        + " times; workflow FAILED and job sent to the DLQ");
        // The workflow fails after the dead letter is written: if it cannot be, the job comes back and
        // this is tried again, whereas a workflow already FAILED would leave the redelivered job nothing to do.
        return new Outcome.Terminal("lock", error, failures, () -> {
            try {
                failWorkflow.run();
            } catch (RuntimeException e) {
                log.atWarn().addKeyValue("workflow", wf).addKeyValue("error", e.getMessage()).log("could not record the failure");
            }
            metrics.job("failed");
        });
    }

    /**
     * Debounce of template changes: while the newest trigger of a PENDING workflow is younger than
     * the settle time, the job waits, so the pushes of a burst fold into one run. Bounded by
     * {@code maxSettle} after the job was queued, so a steady stream of pushes cannot starve it.
     */
    private Optional<Duration> settling(String wf, RegenJob job) {
        if (job.getReason() != dev.orgctl.proto.JobReason.TEMPLATE_CHANGE || settings.settle().isZero()) {
            return Optional.empty();
        }
        java.time.Instant now = java.time.Instant.now();
        java.time.Instant queued = java.time.Instant.ofEpochSecond(job.getCreated().getSeconds(), job.getCreated().getNanos());
        if (Duration.between(queued, now).compareTo(settings.maxSettle()) >= 0) {
            return Optional.empty();
        }
        return workflows.get(wf).filter(w -> w.state() == dev.orgctl.proto.WorkflowState.PENDING).map(w -> {
            var at = w.record().getTrigger().getReceivedAt();
            Duration age = Duration.between(java.time.Instant.ofEpochSecond(at.getSeconds(), at.getNanos()), now);
            return settings.settle().minus(age);
        }).filter(d -> !d.isNegative() && !d.isZero());
    }

    private Outcome runOnce(Run run, RegenJob job, Lease lease) {
        String org = job.getOrg();
        String repo = job.getRepo();
        String wf = run.workflowId();
        int depth = run.trigger().getDepth();
        if (depth > settings.maxDepth()) {
            metrics.snakeStopped("depth");
            String why = "causation depth " + depth + " exceeds " + settings.maxDepth()
                    + ": orgctl's commits keep causing changes to its own files";
            log.atWarn().addKeyValue("workflow", wf).addKeyValue("run", run.runId()).addKeyValue("layer", "depth")
                    .addKeyValue("causation", run.trigger().getCausationId()).log("snake prevention: " + why);
            return stopped(run, job, "depth", why, why);
        }
        Optional<CircuitBreaker.Open> open = breaker.check(org, repo);
        if (open.isPresent()) {
            metrics.snakeStopped("breaker");
            log.atWarn().addKeyValue("workflow", wf).addKeyValue("run", run.runId()).addKeyValue("layer", "breaker")
                    .log("snake prevention: circuit breaker open: " + open.get().reason());
            return stopped(run, job, "breaker", "circuit breaker open: " + open.get().reason(), "circuit breaker open");
        }
        Optional<RepositoryInfo> info = host.repository(new RepoRef(org, repo));
        if (info.isEmpty()) {
            rollouts.nothing(org, repo);
            return recorder.finish(run, job, new RunRecorder.End(true, "repository " + org + "/" + repo + " no longer exists", "", ""));
        }
        TemplateSnapshot snapshot;
        try {
            snapshot = snapshot(org, repo);
        } catch (TemplateException e) {
            return stopped(run, job, "template", e.getMessage(), "templates cannot be rendered: " + e.getMessage());
        }
        lease.checkStillHeld(); // fence: nothing is written by a worker that lost its lock
        var taken = lease.holder().getAcquiredAt();
        RunContext ctx = RunContext.of(run.runId())
                .withFence(lease.token(), java.time.Instant.ofEpochSecond(taken.getSeconds(), taken.getNanos()))
                .withTrailer("Orgctl-Causation", run.trigger().getCausationId());
        RegenResult result = verification.regenerate(executor, snapshot, info.get(), ctx);
        RunRecorder.End end = recorder.record(run, job, result, snapshot.revision(), depth);
        if (end.ok()) {
            rollouts.ran(org, repo, snapshot.revision(), result);
        } else {
            rollouts.failed(org, repo, end.reason());
        }
        return recorder.finish(run, job, end);
    }

    /**
     * The templates a run renders, whatever revision triggered the job: the newest (the last revision
     * always wins), unless the newest have a {@code rollout} block; then the revision the repository
     * is pinned to by a rollout's wave, else the org's stable one (docs/rollout.md).
     */
    private TemplateSnapshot snapshot(String org, String repo) {
        TemplateSnapshot newest = templates.load(org);
        Optional<String> pinned = rollouts.revision(newest, repo);
        if (pinned.isEmpty() || pinned.get().equals(newest.revision())) {
            return newest;
        }
        return pinnedTemplates.loadAt(TemplateLoader.templatesRepo(org), pinned.get());
    }

    /**
     * A safety layer or unusable input stopped the run: the job goes to the DLQ, and once its dead
     * letter is written the workflow ends FAILED with {@code reason}.
     */
    private Outcome stopped(Run run, RegenJob job, String stoppedBy, String detail, String reason) {
        return new Outcome.Terminal(stoppedBy, detail, run.attempt(), () -> {
            rollouts.failed(job.getOrg(), job.getRepo(), reason);
            recorder.finish(run, job, new RunRecorder.End(false, reason, "", ""));
        });
    }
}
