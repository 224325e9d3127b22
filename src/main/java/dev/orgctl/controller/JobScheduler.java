package dev.orgctl.controller;

import com.google.protobuf.Timestamp;
import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.coordination.TriggerOutcome;
import dev.orgctl.coordination.WorkflowSnapshot;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.nats.MessageCodec;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.JobReason;
import dev.orgctl.proto.RegenJob;
import dev.orgctl.proto.Trigger;
import dev.orgctl.proto.WorkflowState;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns "this repository should be regenerated" into at most one queued job per repository: the
 * trigger goes to the workflow first (coalesced when a run is pending or running), and only a
 * trigger that made the workflow PENDING enqueues a job. A worker that finishes a run enqueues
 * the follow-up itself. A controller that crashes after enqueueing and handles the same delivery
 * again while the run is pending or running coalesces it and enqueues nothing new.
 */
public final class JobScheduler {
    private static final Logger log = LoggerFactory.getLogger(JobScheduler.class);
    public static final String JOBS_PREFIX = "orgctl.jobs.";
    /** A PENDING run not started for this long has probably lost its job (a trigger is queued in milliseconds). */
    static final Duration STALE_PENDING = Duration.ofSeconds(5);
    /** JetStream's "no message found". */
    private static final int NO_MESSAGE = 10037;

    private final Workflows workflows;
    private final JetStream js;
    private final String actor;
    private final Duration stalePending;

    public JobScheduler(Workflows workflows, JetStream js, String actor) {
        this(workflows, js, actor, STALE_PENDING);
    }

    /** @param stalePending how long a PENDING run may wait for its job before a coalesced trigger re-queues it */
    JobScheduler(Workflows workflows, JetStream js, String actor, Duration stalePending) {
        this.workflows = workflows;
        this.js = js;
        this.actor = actor;
        this.stalePending = stalePending;
    }

    public static String workflowId(String org, String repo) {
        return "regen/" + org + "/" + repo;
    }

    public static String jobSubject(String org, String repo) {
        return JOBS_PREFIX + KeyCodec.encode(org + "/" + repo);
    }

    /** What scheduling did. */
    public enum Outcome {
        /** A job was queued. */
        QUEUED,
        /** A run was already pending or running: the trigger was folded into it. */
        COALESCED
    }

    public Outcome schedule(String org, String repo, JobReason reason, String templateRevision, String causationId,
                            int depth) {
        String wf = workflowId(org, repo);
        Trigger trigger = Trigger.newBuilder().setOrg(org).setCausationId(causationId)
                .setTemplateRevision(templateRevision == null ? "" : templateRevision)
                .setReason(reason.name().toLowerCase(java.util.Locale.ROOT)).setDepth(depth).setActor(actor)
                .setReceivedAt(now()).build();
        TriggerOutcome outcome = workflows.trigger(wf, trigger);
        if (outcome == TriggerOutcome.COALESCED) {
            log.atInfo().addKeyValue("workflow", wf).addKeyValue("causation", causationId).addKeyValue("reason", reason)
                    .log("trigger coalesced into the pending or running regeneration");
            workflows.get(wf).ifPresent(w -> requeueIfLost(w, Instant.now().minus(stalePending)));
            return Outcome.COALESCED;
        }
        // The id names this PENDING transition (the workflow's revision after it), not only the
        // causation: the same delivery handled again after its run completed (a redelivery after a
        // crash before the ack) makes the workflow PENDING again, and a job id equal to the first
        // one would be dropped by the stream's de-duplication, leaving it PENDING with no job.
        // Handling it again while the first run is pending or running coalesces instead.
        long revision = workflows.get(wf).map(w -> w.revision()).orElse(0L);
        enqueue(org, repo, trigger, "job-" + KeyCodec.encode(wf) + "-" + causationId + "-" + revision);
        return Outcome.QUEUED;
    }

    /**
     * Queues again the job of a regeneration PENDING since before {@code cutoff} whose job is
     * not in {@code ORGCTL_JOBS} (a work queue: a job stays there until a worker acknowledges it,
     * after starting the run): the replica that recorded the trigger died before queueing it, or the
     * server lost it. A trigger coalesced into such a run calls this at once ({@link #STALE_PENDING}),
     * the controller's sweep every minute. Returns whether it queued one.
     */
    public boolean requeueIfLost(WorkflowSnapshot w, Instant cutoff) {
        if (w.state() != WorkflowState.PENDING || !w.workflowId().startsWith("regen/")
                || w.inStateSince().isAfter(cutoff)) {
            return false;
        }
        String[] parts = w.workflowId().split("/", 3);
        if (jobQueued(parts[1], parts[2])) {
            return false;
        }
        log.atInfo().addKeyValue("workflow", w.workflowId()).addKeyValue("pending_since", w.inStateSince())
                .log("pending regeneration without a queued job: its job queued again");
        // One id per record revision: a second call on the same record within the stream's duplicate
        // window (two replicas sweeping at once) is dropped by the stream.
        enqueue(parts[1], parts[2], w.record().getTrigger(),
                "job-" + KeyCodec.encode(w.workflowId()) + "-recover-" + w.revision());
        return true;
    }

    /** Whether a job of the repository waits in (or is being worked from) the queue; when unsure, yes. */
    private boolean jobQueued(String org, String repo) {
        try {
            js.getStreamContext(Topology.JOBS_STREAM).getLastMessage(jobSubject(org, repo));
            return true;
        } catch (JetStreamApiException e) {
            return e.getApiErrorCode() != NO_MESSAGE;
        } catch (IOException e) {
            return true;
        }
    }

    /** Queues the job of a PENDING workflow (a fresh trigger, a follow-up, or a recovered stale one). */
    public void enqueue(String org, String repo, Trigger trigger, String jobId) {
        RegenJob job = RegenJob.newBuilder().setOrg(org).setRepo(repo).setJobId(jobId)
                .setReason(reasonOf(trigger.getReason())).setTemplateRevision(trigger.getTemplateRevision())
                .setCausationId(trigger.getCausationId()).setDepth(trigger.getDepth()).setCreated(now()).build();
        MessageCodec.Encoded enc = MessageCodec.encode(job);
        try {
            PublishAck ack = js.publish(jobSubject(org, repo), enc.headers(), enc.body(),
                    PublishOptions.builder().messageId(jobId).build());
            log.atInfo().addKeyValue("workflow", workflowId(org, repo)).addKeyValue("job", jobId)
                    .addKeyValue("causation", trigger.getCausationId()).addKeyValue("duplicate", ack.isDuplicate())
                    .log("regeneration job queued");
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot queue the job of " + org + "/" + repo + ": " + e.getMessage(), e);
        }
    }

    static JobReason reasonOf(String text) {
        try {
            return JobReason.valueOf(text.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return JobReason.JOB_REASON_UNSPECIFIED;
        }
    }

    private static Timestamp now() {
        Instant n = Instant.now();
        return Timestamp.newBuilder().setSeconds(n.getEpochSecond()).setNanos(n.getNano()).build();
    }
}
