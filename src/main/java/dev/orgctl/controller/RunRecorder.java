package dev.orgctl.controller;

import dev.orgctl.coordination.FollowUp;
import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.coordination.Run;
import dev.orgctl.coordination.RunResult;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.proto.RegenJob;
import dev.orgctl.regen.RegenResult;
import dev.orgctl.regen.TemplateError;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record step of the worker's reconcile loop: a run's result becomes its own commit in
 * ORGCTL_COMMITS, a count in the breaker and the metrics, the run's end in the workflow, and the
 * follow-up job when triggers came in meanwhile.
 */
final class RunRecorder {
    private static final Logger log = LoggerFactory.getLogger(RunRecorder.class);

    private final Workflows workflows;
    private final JobScheduler scheduler;
    private final OwnCommits ownCommits;
    private final CircuitBreaker breaker;
    private final ControllerMetrics metrics;

    RunRecorder(Workflows workflows, JobScheduler scheduler, OwnCommits ownCommits, CircuitBreaker breaker,
                ControllerMetrics metrics) {
        this.workflows = workflows;
        this.scheduler = scheduler;
        this.ownCommits = ownCommits;
        this.breaker = breaker;
        this.metrics = metrics;
    }

    /** What one run ended with, to record. */
    record End(boolean ok, String reason, String base, String result) {
    }

    /**
     * A template error fails the run of this repository (workflow FAILED with the errors as the
     * reason) after the other sets were applied. Not dead-lettered and not retried: the fix is a
     * template push, which triggers the run again.
     */
    private End withTemplateErrors(Run run, End outcome, RegenResult result) {
        List<TemplateError> errors = result.templateErrors();
        if (errors.isEmpty() || !outcome.ok()) {
            return outcome;
        }
        errors.forEach(e -> metrics.templateError(e.set()));
        String why = "template error: " + errors.stream().map(TemplateError::message).collect(Collectors.joining("; "))
                + " (other sets: " + outcome.reason() + ")";
        log.atWarn().addKeyValue("workflow", run.workflowId()).addKeyValue("run", run.runId())
                .addKeyValue("error", why).log("template sets failed for this repository; the others were applied");
        return new End(false, why, outcome.base(), outcome.result());
    }

    /**
     * What a run's result means for the workflow, with its own commit and breaker recorded and
     * counted; a template error fails the run after the other sets were applied.
     *
     * @throws StageException when the run should be retried (a head that kept moving, a retryable
     *                        failure) or can never succeed (poison)
     */
    End record(Run run, RegenJob job, RegenResult result, String templateRev, int depth) {
        return withTemplateErrors(run, recorded(run, job, result, templateRev, depth), result);
    }

    private End recorded(Run run, RegenJob job, RegenResult result, String templateRev, int depth) {
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
            // A rollout's wave brings the same kind of content, paced.
            if (!"template_change".equals(run.trigger().getReason()) && !"rollout".equals(run.trigger().getReason())) {
                breaker.recordCommit(org, repo).ifPresent(o -> {
                    metrics.snakeStopped("breaker");
                    log.atWarn().addKeyValue("workflow", run.workflowId()).addKeyValue("layer", "breaker")
                            .log("snake prevention: circuit breaker opened: " + o.reason());
                });
            }
            return new End(true, "committed " + c.commitId(), c.plan().baseCommit().orElse(""), c.commitId());
        }
        if (result instanceof RegenResult.NoChange n) {
            metrics.job("no_change");
            metrics.snakeStopped("no_diff");
            line.log("no difference: no commit");
            return new End(true, "no change", n.plan().baseCommit().orElse(""), "");
        }
        if (result instanceof RegenResult.Proposed p) {
            ownCommits.record(p.commitId(), org, repo, run.runId(), depth, templateRev);
            metrics.job("proposed");
            var proposed = line.addKeyValue("branch", p.branch()).addKeyValue("commit", p.commitId());
            if (p.pull().isPresent()) {
                proposed = proposed.addKeyValue("pull_request", p.pull().get().number())
                        .addKeyValue("auto_merge", p.pull().get().autoMerge().name());
            }
            for (String note : p.notes()) {
                proposed = proposed.addKeyValue("note", note);
            }
            proposed.log("proposal updated");
            return new End(true, "proposed on " + p.branch(), "", p.commitId());
        }
        if (result instanceof RegenResult.ProposalClosed) {
            metrics.job("proposal_closed");
            line.log("proposal closed: nothing differs any more");
            return new End(true, "proposal closed", "", "");
        }
        if (result instanceof RegenResult.Skipped s) {
            metrics.job("skipped");
            return new End(true, "skipped: " + s.reason(), "", "");
        }
        if (result instanceof RegenResult.Unchanged u) {
            metrics.job("verified");
            line.addKeyValue("head", u.head()).log("unchanged since last verified: not read");
            return new End(true, "unchanged since verified", u.head(), "");
        }
        if (result instanceof RegenResult.HeadKeptMoving h) {
            throw StageException.transientFailure("the head of " + org + "/" + repo + " kept moving (" + h.replans() + " re-plans)");
        }
        RegenResult.Failed f = (RegenResult.Failed) result;
        if (f.retryable()) {
            throw StageException.transientFailure(f.message());
        }
        throw StageException.poison(f.message());
    }

    /** Ends the run in the workflow (COMPLETED or FAILED) and queues the follow-up run it asks for. */
    Outcome finish(Run run, RegenJob job, End outcome) {
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
        return new Outcome.Done(outcome.ok() ? "completed" : "failed");
    }

    void endFailed(Run run, String error) {
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
}
