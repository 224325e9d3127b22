package dev.orgctl.controller.preview;

import dev.orgctl.OrgctlException;
import dev.orgctl.controller.ControllerSettings;
import dev.orgctl.controller.Outcome;
import dev.orgctl.coordination.FollowUp;
import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.coordination.Lease;
import dev.orgctl.coordination.LeaseLostException;
import dev.orgctl.coordination.LockService;
import dev.orgctl.coordination.Run;
import dev.orgctl.coordination.RunResult;
import dev.orgctl.coordination.StaleRunException;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.github.PullRequestHeads;
import dev.orgctl.proto.RegenJob;
import dev.orgctl.regen.TemplateLoader;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works one preview job, as the {@code Worker} works a regeneration: lock the workflow
 * {@code preview/<org>/<number>}, start its run, preview the pull request's head as it is now (the
 * newest head wins, whatever head the trigger named), end the run, and queue the one follow-up run
 * that triggers coalesced meanwhile ask for. A failure that may pass is retried by the policy; one
 * that will not (a refused credential, an unknown ref) ends the workflow FAILED.
 */
public final class PreviewWorker {
    private static final Logger log = LoggerFactory.getLogger(PreviewWorker.class);

    private final PreviewRunner runner;
    private final PullRequestHeads pulls;
    private final LockService locks;
    private final Workflows workflows;
    private final PreviewScheduler scheduler;
    private final ControllerSettings settings;

    public PreviewWorker(PreviewRunner runner, PullRequestHeads pulls, LockService locks, Workflows workflows,
                         PreviewScheduler scheduler, ControllerSettings settings) {
        this.runner = runner;
        this.pulls = pulls;
        this.locks = locks;
        this.workflows = workflows;
        this.scheduler = scheduler;
        this.settings = settings;
    }

    public Outcome work(RegenJob job, int delivery) {
        String wf = PreviewScheduler.workflowId(job.getOrg(), job.getPullNumber());
        String runId = job.getJobId() + "-" + delivery;
        Optional<Lease> lease;
        try {
            lease = locks.acquire(wf, "preview " + runId, settings.lockWait());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome.Retry(Duration.ofSeconds(1), "interrupted");
        }
        if (lease.isEmpty()) {
            return new Outcome.Retry(Duration.ofSeconds(2), "preview locked by another worker");
        }
        try (Lease held = lease.get()) {
            Optional<Run> started = workflows.start(wf, runId, held);
            if (started.isEmpty()) {
                return new Outcome.Done("nothing_to_run");
            }
            Run run = started.get();
            try {
                String result = previewNow(job, run);
                held.checkStillHeld();
                return end(job, run, workflows.complete(run, RunResult.of(result)), "completed");
            } catch (OrgctlException e) {
                if (!e.retryable()) {
                    return end(job, run, workflows.fail(run, e.getMessage()), "failed");
                }
                if (settings.retry().spent(run.attempt())) {
                    String error = e.getMessage();
                    return new Outcome.Terminal("attempts", error, run.attempt(), () -> workflows.fail(run, error));
                }
                log.atWarn().addKeyValue("workflow", wf).addKeyValue("attempt", run.attempt())
                        .addKeyValue("error", e.getMessage()).log("preview failed; it will be retried");
                return new Outcome.Retry(settings.retry().delay(run.attempt()), e.getMessage());
            }
        } catch (LeaseLostException | StaleRunException e) {
            return new Outcome.Retry(settings.retry().delay(1), e.getMessage());
        }
    }

    /** Previews the pull request's current head; returns the line the workflow's history keeps. */
    private String previewNow(RegenJob job, Run run) {
        RepoRef templates = TemplateLoader.templatesRepo(job.getOrg());
        Optional<PullRequestHeads.OpenPull> pull = pulls.open(templates, job.getPullNumber());
        if (pull.isEmpty()) {
            return "pull request #" + job.getPullNumber() + " is closed: nothing to preview";
        }
        boolean again = PreviewScheduler.REASON_AGAIN.equals(run.trigger().getReason());
        PreviewRunner.Result r = runner.run(new PreviewRequest(job.getOrg(), job.getPullNumber(), pull.get().headSha(),
                pull.get().baseRef(), Optional.empty(), run.trigger().getCausationId(), again));
        if (r instanceof PreviewRunner.Result.Published p) {
            return "preview of " + pull.get().headSha() + ": " + p.conclusion().api();
        }
        if (r instanceof PreviewRunner.Result.AlreadyPublished) {
            return "preview of " + pull.get().headSha() + " already published";
        }
        return "preview of " + pull.get().headSha() + " superseded";
    }

    private Outcome end(RegenJob job, Run run, FollowUp next, String label) {
        if (next.isRerun()) {
            scheduler.enqueue(job.getOrg(), job.getPullNumber(), next.trigger().orElseThrow(),
                    "preview-" + KeyCodec.encode(run.workflowId()) + "-followup-" + run.runId());
        }
        return new Outcome.Done(label);
    }
}
