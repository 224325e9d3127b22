package dev.orgctl.controller;

import dev.orgctl.nats.MessageCodec;
import dev.orgctl.proto.JobReason;
import dev.orgctl.proto.RegenJob;
import io.nats.client.impl.Headers;
import java.util.Optional;

/**
 * The job stage: a message from ORGCTL_JOBS decoded into a {@link RegenJob} and worked by the
 * {@link Worker}, or by the preview worker for a {@code PREVIEW} job. A message that is no RegenJob is poison.
 */
public final class JobStage implements Stage<RegenJob> {
    /** Works {@code PREVIEW} jobs (the github backend's check runs). */
    @FunctionalInterface
    public interface PreviewWork {
        Outcome work(RegenJob job, int delivery);
    }

    private final Worker worker;
    private final Optional<PreviewWork> previews;

    public JobStage(Worker worker) {
        this(worker, Optional.empty());
    }

    public JobStage(Worker worker, Optional<PreviewWork> previews) {
        this.worker = worker;
        this.previews = previews;
    }

    @Override
    public String kind() {
        return "job";
    }

    @Override
    public String loop() {
        return "controller-worker";
    }

    @Override
    public RegenJob decode(Inbound in) {
        // The codec reads the type header from the transport's header type: the decoding seam, not the domain.
        Headers headers = new Headers();
        in.headers().forEach(headers::put);
        return MessageCodec.decode(headers, in.body(), RegenJob.getDefaultInstance());
    }

    @Override
    public Outcome run(RegenJob job, int delivery) {
        if (job.getReason() == JobReason.PREVIEW) {
            // Only the github backend queues previews; a replica without them cannot do one.
            return previews.map(p -> p.work(job, delivery)).orElseThrow(() -> StageException.poison(
                    "a preview job reached a controller without previews (its backend is not github)"));
        }
        return worker.work(job, delivery);
    }

    @Override
    public Origin origin(Inbound in, Optional<RegenJob> job) {
        return job.map(j -> new Origin(j.getOrg(), j.getRepo(), j.getCausationId())).orElse(new Origin("", "", ""));
    }
}
