package dev.orgctl.controller.preview;

import com.google.protobuf.Timestamp;
import dev.orgctl.controller.Classification;
import dev.orgctl.controller.JobScheduler;
import dev.orgctl.controller.PreviewSink;
import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.coordination.TriggerOutcome;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.nats.MessageCodec;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.proto.JobReason;
import dev.orgctl.proto.RegenJob;
import dev.orgctl.proto.Trigger;
import dev.orgctl.regen.TemplateLoader;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import java.io.IOException;
import dev.orgctl.coordination.WorkflowSnapshot;
import dev.orgctl.proto.WorkflowState;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A preview is a workflow like any other: {@code preview/<org>/<number>}, one per pull request. A
 * trigger makes it PENDING and queues one job on ORGCTL_JOBS ({@link JobReason#PREVIEW}); a trigger
 * while a run is pending or running is coalesced, and the run (or its one follow-up) previews the
 * pull request's head as it is when it starts: a burst of pushes is one more run, for the newest head.
 */
public final class PreviewScheduler implements PreviewSink {
    private static final Logger log = LoggerFactory.getLogger(PreviewScheduler.class);
    private static final String PREFIX = "preview/";
    /** A trigger's reason: a new head (or a reopened pull request) to preview. */
    static final String REASON = "preview";
    /** A trigger's reason: the checks asked for again, a new run even for a head that has its result. */
    static final String REASON_AGAIN = "preview_again";

    private final Workflows workflows;
    private final JetStream js;
    private final String actor;

    public PreviewScheduler(Workflows workflows, JetStream js, String actor) {
        this.workflows = workflows;
        this.js = js;
        this.actor = actor;
    }

    public static String workflowId(String org, int number) {
        return PREFIX + org + "/" + number;
    }

    /** Whether a workflow id is a preview's; its org and number are {@link #org} and {@link #number}. */
    public static boolean isPreview(String workflowId) {
        return workflowId.startsWith(PREFIX) && workflowId.split("/", -1).length == 3;
    }

    public static String org(String workflowId) {
        return workflowId.split("/", -1)[1];
    }

    public static int number(String workflowId) {
        return Integer.parseInt(workflowId.split("/", -1)[2]);
    }

    @Override
    public String schedule(Classification.Preview p, String causationId) {
        String wf = workflowId(p.org(), p.number());
        Trigger trigger = Trigger.newBuilder().setOrg(p.org()).setCausationId(causationId)
                .setTemplateRevision(p.headSha()).setReason(p.again() ? REASON_AGAIN : REASON)
                .setActor(actor).setReceivedAt(now()).build();
        if (workflows.trigger(wf, trigger) == TriggerOutcome.COALESCED) {
            log.atInfo().addKeyValue("workflow", wf).addKeyValue("head", p.headSha())
                    .log("preview coalesced: the pending or running one previews the newest head");
            return "coalesced";
        }
        // As for regeneration jobs: the id names this PENDING transition, not only the delivery.
        long revision = workflows.get(wf).map(w -> w.revision()).orElse(0L);
        enqueue(p.org(), p.number(), trigger, "preview-" + KeyCodec.encode(wf) + "-" + causationId + "-" + revision);
        return "queued";
    }

    /** Queues the job of a PENDING preview workflow (a fresh trigger, a follow-up, or a recovered stale one). */
    public void enqueue(String org, int number, Trigger trigger, String jobId) {
        String templates = TemplateLoader.templatesRepo(org).name();
        RegenJob job = RegenJob.newBuilder().setOrg(org).setRepo(templates).setPullNumber(number).setJobId(jobId)
                .setReason(JobReason.PREVIEW).setTemplateRevision(trigger.getTemplateRevision())
                .setCausationId(trigger.getCausationId()).setCreated(now()).build();
        MessageCodec.Encoded enc = MessageCodec.encode(job);
        try {
            js.publish(JobScheduler.jobSubject(org, templates + "#" + number), enc.headers(), enc.body(),
                    PublishOptions.builder().messageId(jobId).build());
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot queue the preview of pull request #" + number + " of " + org
                    + "/" + templates + ": " + e.getMessage(), e);
        }
        log.atInfo().addKeyValue("workflow", workflowId(org, number)).addKeyValue("job", jobId).log("preview queued");
    }

    /**
     * Queues again the job of every preview workflow PENDING for longer than {@code olderThan}: a
     * controller that died between the trigger and the job left it so, and a PENDING workflow
     * coalesces every later trigger. The job id is the one the trigger got, so a job still queued
     * is not doubled (within the stream's duplicate window). Returns how many were queued.
     */
    public int recoverStalePending(Duration olderThan) {
        int n = 0;
        Instant cutoff = Instant.now().minus(olderThan);
        for (WorkflowSnapshot w : workflows.list()) {
            if (w.state() != WorkflowState.PENDING || !isPreview(w.workflowId())
                    || Instant.ofEpochSecond(w.record().getUpdatedAt().getSeconds()).isAfter(cutoff)) {
                continue;
            }
            Trigger t = w.record().getTrigger();
            enqueue(org(w.workflowId()), number(w.workflowId()), t, "preview-" + KeyCodec.encode(w.workflowId()) + "-"
                    + t.getCausationId() + "-" + w.revision());
            n++;
        }
        return n;
    }

    private static Timestamp now() {
        Instant n = Instant.now();
        return Timestamp.newBuilder().setSeconds(n.getEpochSecond()).setNanos(n.getNano()).build();
    }
}
