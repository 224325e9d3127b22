package dev.orgctl.controller;

import dev.orgctl.coordination.FollowUp;
import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.coordination.Lease;
import dev.orgctl.coordination.LeaseLostException;
import dev.orgctl.coordination.LockService;
import dev.orgctl.coordination.LockStateCorruptException;
import dev.orgctl.coordination.Run;
import dev.orgctl.coordination.RunResult;
import dev.orgctl.coordination.StaleRunException;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.nats.MessageCodec;
import dev.orgctl.proto.RegenJob;
import dev.orgctl.regen.RegenExecutor;
import dev.orgctl.regen.RegenPlanner;
import dev.orgctl.regen.RegenResult;
import dev.orgctl.regen.RunContext;
import dev.orgctl.regen.TemplateError;
import dev.orgctl.regen.TemplateException;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.TemplateSnapshot;
import dev.orgctl.regen.Verification;
import dev.orgctl.regen.VerifiedRepos;
import io.nats.client.Message;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works one regeneration job, the reconcile loop of one repository: observe (lock, start the
 * run, read the newest templates and the repository), diff (plan), act (one fenced commit),
 * record (own commit, breaker, workflow state, follow-up). Safety layers 3 and 4 of snake
 * prevention (causation depth, circuit breaker) stop a job here before it writes.
 */
public final class Worker {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    /**
     * What the caller does with the job's message: acknowledge it (done, whatever the outcome), or
     * hand it back to be delivered again after {@code delay} (lock busy, host away, settling).
     */
    public record Disposition(boolean ack, Duration delay) {
        static final Disposition ACK = new Disposition(true, Duration.ZERO);

        static Disposition retry(int attempt) {
            return new Disposition(false, backoff(attempt));
        }

        static Disposition later(Duration d) {
            return new Disposition(false, d);
        }
    }

    private final RepositoryHost host;
    private final TemplateLoader templates;
    private final RegenExecutor executor;
    private final LockService locks;
    private final Workflows workflows;
    private final JobScheduler scheduler;
    private final OwnCommits ownCommits;
    private final CircuitBreaker breaker;
    private final DeadLetters deadLetters;
    private final ControllerSettings settings;
    private final ControllerMetrics metrics;
    private final Verification verification;

    public Worker(RepositoryHost host, LockService locks, Workflows workflows, JobScheduler scheduler,
                  OwnCommits ownCommits, CircuitBreaker breaker, DeadLetters deadLetters, ControllerSettings settings,
                  ControllerMetrics metrics) {
        this(host, locks, workflows, scheduler, ownCommits, breaker, deadLetters, settings, metrics, VerifiedRepos.NONE);
    }

    /** @param verified where repositories as last verified are kept (ORGCTL_VERIFIED): unchanged ones are not read */
    public Worker(RepositoryHost host, LockService locks, Workflows workflows, JobScheduler scheduler,
                  OwnCommits ownCommits, CircuitBreaker breaker, DeadLetters deadLetters, ControllerSettings settings,
                  ControllerMetrics metrics, VerifiedRepos verified) {
        this.verification = new Verification(host, verified);
        this.host = host;
        this.templates = new TemplateLoader(host);
        this.executor = new RegenExecutor(host, new RegenPlanner(host), settings.identity(), 5,
                dev.orgctl.hosts.ProposalRequest.DEFAULT_BRANCH);
        this.locks = locks;
        this.workflows = workflows;
        this.scheduler = scheduler;
        this.ownCommits = ownCommits;
        this.breaker = breaker;
        this.deadLetters = deadLetters;
        this.settings = settings;
        this.metrics = metrics;
    }

    /** A job that failed and should be retried; the message says why. */
    public static final class RetryableFailure extends RuntimeException {
        public RetryableFailure(String message) {
            super(message);
        }
    }

    /**
     * @param delivery which delivery of the job's message this is (1 for the first). Failed runs are
     *                 counted by the workflow (each retry takes the run over, attempt + 1), so
     *                 deliveries spent waiting (settling, a busy lock) do not count as attempts.
     */
    public Disposition work(Message msg, int delivery) {
        RegenJob job = MessageCodec.decode(msg, RegenJob.getDefaultInstance());
        String wf = JobScheduler.workflowId(job.getOrg(), job.getRepo());
        Optional<Duration> settling = settling(wf, job);
        if (settling.isPresent()) {
            return Disposition.later(settling.get());
        }
        String runId = job.getJobId() + "-" + delivery;
        Optional<Lease> lease;
        try {
            lease = locks.acquire(wf, "regen " + runId, settings.lockWait());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Disposition.later(Duration.ofSeconds(1));
        } catch (LockStateCorruptException e) {
            return lockUnusable(job, wf, runId, delivery, "inconsistent", e.getMessage(),
                    () -> workflows.abandon(wf, e.getMessage()));
        }
        if (lease.isEmpty()) {
            log.atInfo().addKeyValue("workflow", wf).addKeyValue("job", job.getJobId())
                    .log("repository locked by another worker; job handed back");
            return Disposition.later(Duration.ofSeconds(2));
        }
        try (Lease held = lease.get()) {
            Optional<Run> started = workflows.start(wf, runId, held);
            if (started.isEmpty()) {
                metrics.job("nothing_to_run");
                log.atDebug().addKeyValue("workflow", wf).addKeyValue("job", job.getJobId()).log("nothing to run");
                return Disposition.ACK;
            }
            Run run = started.get();
            int attempt = run.attempt();
            boolean lastAttempt = attempt >= settings.maxAttempts() || delivery >= 10 * settings.maxAttempts();
            try {
                finish(run, job, runOnce(run, job, held));
            } catch (RetryableFailure | dev.orgctl.hosts.HostException e) {
                if (!lastAttempt) {
                    // The run stays RUNNING: the retry holds the lock with a larger token and takes it over.
                    log.atWarn().addKeyValue("workflow", wf).addKeyValue("run", runId).addKeyValue("attempt", attempt)
                            .addKeyValue("error", e.getMessage()).log("regeneration failed; it will be retried");
                    return Disposition.retry(attempt);
                }
                endFailed(run, e.getMessage());
                metrics.job("failed");
                deadLetter(job, e.getMessage(), "attempts", attempt);
                log.atError().addKeyValue("workflow", wf).addKeyValue("run", runId).addKeyValue("attempts", attempt)
                        .addKeyValue("error", e.getMessage()).log("regeneration failed every attempt; sent to the DLQ");
                return Disposition.ACK;
            } catch (LeaseLostException e) {
                String error = e.getMessage() + " (lock bucket " + locks.bucket() + ")";
                return lockUnusable(job, wf, runId, attempt, "lost", error, () -> endFailed(run, error));
            } catch (StaleRunException e) {
                log.atWarn().addKeyValue("workflow", wf).addKeyValue("run", runId).addKeyValue("error", e.getMessage())
                        .log("run lost its lock mid-way; the next holder takes it over");
                return Disposition.retry(attempt);
            }
            return Disposition.ACK;
        }
    }

    /**
     * The repository's lock was lost mid-run, or could not be trusted: retried (the next holder
     * takes the run over) until the job has failed this way {@code maxLockFailures} times; then the
     * workflow ends FAILED, the job goes to the DLQ and an ERROR names the bucket, never a retry
     * loop that leaves every workflow RUNNING.
     */
    private Disposition lockUnusable(RegenJob job, String wf, String runId, int failures, String kind, String error,
                                     Runnable failWorkflow) {
        metrics.lockFailure(locks.bucket(), kind);
        if (failures < settings.maxLockFailures()) {
            log.atWarn().addKeyValue("workflow", wf).addKeyValue("run", runId).addKeyValue("bucket", locks.bucket())
                    .addKeyValue("failures", failures).addKeyValue("error", error)
                    .log("run could not keep its lock; it will be retried");
            return Disposition.retry(failures);
        }
        // The dead letter first: if it cannot be written the job comes back and this is tried again,
        // whereas a workflow already FAILED would leave the redelivered job nothing to do.
        deadLetter(job, error, "lock", failures);
        try {
            failWorkflow.run();
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("workflow", wf).addKeyValue("error", e.getMessage()).log("could not record the failure");
        }
        metrics.job("failed");
        log.atError().addKeyValue("workflow", wf).addKeyValue("run", runId).addKeyValue("bucket", locks.bucket())
                .addKeyValue("failures", failures).addKeyValue("error", error)
                .log("regeneration gave up: the repository lock in " + locks.bucket() + " failed " + failures
                        + " times; workflow FAILED and job sent to the DLQ");
        return Disposition.ACK;
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

    /** What one run ended with, to record. */
    private record Outcome(boolean ok, String reason, String base, String result) {
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
            deadLetter(job, why, "depth");
            return new Outcome(false, why, "", "");
        }
        Optional<CircuitBreaker.Open> open = breaker.check(org, repo);
        if (open.isPresent()) {
            metrics.snakeStopped("breaker");
            log.atWarn().addKeyValue("workflow", wf).addKeyValue("run", run.runId()).addKeyValue("layer", "breaker")
                    .log("snake prevention: circuit breaker open: " + open.get().reason());
            deadLetter(job, "circuit breaker open: " + open.get().reason(), "breaker");
            return new Outcome(false, "circuit breaker open", "", "");
        }
        Optional<RepositoryInfo> info = host.repository(new RepoRef(org, repo));
        if (info.isEmpty()) {
            return new Outcome(true, "repository " + org + "/" + repo + " no longer exists", "", "");
        }
        TemplateSnapshot snapshot;
        try {
            // The newest templates, whatever revision triggered the job: the last revision always wins.
            snapshot = templates.load(org);
        } catch (TemplateException e) {
            deadLetter(job, e.getMessage(), "template");
            return new Outcome(false, "templates cannot be rendered: " + e.getMessage(), "", "");
        }
        lease.checkStillHeld(); // fence: nothing is written by a worker that lost its lock
        RunContext ctx = RunContext.of(run.runId()).withFence(Long.toString(lease.token()))
                .withTrailer("Orgctl-Causation", run.trigger().getCausationId());
        RegenResult result = verification.regenerate(executor, snapshot, info.get(), ctx);
        return withTemplateErrors(run, record(run, job, result, snapshot.revision(), depth), result);
    }

    /**
     * A template error fails the run of this repository (workflow FAILED with the errors as the
     * reason) after the other sets were applied. Not dead-lettered and not retried: the fix is a
     * template push, which triggers the run again.
     */
    private Outcome withTemplateErrors(Run run, Outcome outcome, RegenResult result) {
        List<TemplateError> errors = result.templateErrors();
        if (errors.isEmpty() || !outcome.ok()) {
            return outcome;
        }
        errors.forEach(e -> metrics.templateError(e.set()));
        String why = "template error: " + errors.stream().map(TemplateError::message).collect(Collectors.joining("; "))
                + " (other sets: " + outcome.reason() + ")";
        log.atWarn().addKeyValue("workflow", run.workflowId()).addKeyValue("run", run.runId())
                .addKeyValue("error", why).log("template sets failed for this repository; the others were applied");
        return new Outcome(false, why, outcome.base(), outcome.result());
    }

    private Outcome record(Run run, RegenJob job, RegenResult result, String templateRev, int depth) {
        String org = job.getOrg();
        String repo = job.getRepo();
        var line = log.atInfo().addKeyValue("workflow", run.workflowId()).addKeyValue("run", run.runId())
                .addKeyValue("causation", run.trigger().getCausationId()).addKeyValue("revision", templateRev);
        if (result instanceof RegenResult.Committed c) {
            ownCommits.record(c.commitId(), org, repo, run.runId(), depth, templateRev);
            metrics.job("committed");
            line.addKeyValue("commit", c.commitId()).addKeyValue("changes", c.plan().summary())
                    .addKeyValue("replans", c.replans()).log("regenerated: one commit");
            // A commit that follows a person's template push is new content, not a loop: the breaker counts
            // the others (drift repairs, reconciles, new repositories), where loops live.
            if (!"template_change".equals(run.trigger().getReason())) {
                breaker.recordCommit(org, repo).ifPresent(o -> {
                metrics.snakeStopped("breaker");
                    log.atWarn().addKeyValue("workflow", run.workflowId()).addKeyValue("layer", "breaker")
                            .log("snake prevention: circuit breaker opened: " + o.reason());
                });
            }
            return new Outcome(true, "committed " + c.commitId(), c.plan().baseCommit().orElse(""), c.commitId());
        }
        if (result instanceof RegenResult.NoChange n) {
            metrics.job("no_change");
            metrics.snakeStopped("no_diff");
            line.log("no difference: no commit");
            return new Outcome(true, "no change", n.plan().baseCommit().orElse(""), "");
        }
        if (result instanceof RegenResult.Proposed p) {
            ownCommits.record(p.commitId(), org, repo, run.runId(), depth, templateRev);
            metrics.job("proposed");
            line.addKeyValue("branch", p.branch()).addKeyValue("commit", p.commitId()).log("proposal updated");
            return new Outcome(true, "proposed on " + p.branch(), "", p.commitId());
        }
        if (result instanceof RegenResult.ProposalClosed) {
            metrics.job("proposal_closed");
            line.log("proposal closed: nothing differs any more");
            return new Outcome(true, "proposal closed", "", "");
        }
        if (result instanceof RegenResult.Skipped s) {
            metrics.job("skipped");
            return new Outcome(true, "skipped: " + s.reason(), "", "");
        }
        if (result instanceof RegenResult.Unchanged u) {
            metrics.job("verified");
            line.addKeyValue("head", u.head()).log("unchanged since last verified: not read");
            return new Outcome(true, "unchanged since verified", u.head(), "");
        }
        if (result instanceof RegenResult.HeadKeptMoving h) {
            throw new RetryableFailure("the head of " + org + "/" + repo + " kept moving (" + h.replans() + " re-plans)");
        }
        RegenResult.Failed f = (RegenResult.Failed) result;
        if (f.retryable()) {
            throw new RetryableFailure(f.message());
        }
        deadLetter(job, f.message(), "poison");
        return new Outcome(false, f.message(), "", "");
    }

    private void finish(Run run, RegenJob job, Outcome outcome) {
        FollowUp next = outcome.ok()
                ? workflows.complete(run, new RunResult(outcome.reason(), outcome.base(), outcome.result()))
                : workflows.fail(run, outcome.reason());
        if (!outcome.ok()) {
            metrics.job("failed");
        }
        if (next.isRerun()) {
            var t = next.trigger().orElseThrow();
            scheduler.enqueue(job.getOrg(), job.getRepo(), t,
                    "job-" + KeyCodec.encode(run.workflowId()) + "-followup-" + run.runId());
        }
    }

    private void endFailed(Run run, String error) {
        try {
            FollowUp next = workflows.fail(run, error);
            if (next.isRerun()) {
                log.atDebug().addKeyValue("workflow", run.workflowId()).log("a newer trigger waits; the retry runs it");
            }
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("workflow", run.workflowId()).addKeyValue("error", e.getMessage())
                    .log("could not record the failed run");
        }
    }

    private void deadLetter(RegenJob job, String error, String stoppedBy) {
        deadLetter(job, error, stoppedBy, 1);
    }

    private void deadLetter(RegenJob job, String error, String stoppedBy, int attempts) {
        metrics.deadLetter(stoppedBy);
        MessageCodec.Encoded enc = MessageCodec.encode(job);
        io.nats.client.impl.NatsMessage original = io.nats.client.impl.NatsMessage.builder()
                .subject(JobScheduler.jobSubject(job.getOrg(), job.getRepo())).headers(enc.headers()).data(enc.body())
                .build();
        deadLetters.add("job", job.getOrg(), job.getRepo(), original, error, attempts, stoppedBy, job.getCausationId());
    }

    /** Backoff before the next attempt of a job or delivery: 2 s, 4 s, 8 s, ... at most a minute. */
    public static Duration backoff(int attempt) {
        long s = Math.min(60, 1L << Math.min(6, Math.max(1, attempt)));
        return Duration.ofSeconds(s);
    }
}
