package dev.orgctl.controller;

import dev.orgctl.nats.MessageCodec;
import dev.orgctl.proto.RegenJob;
import io.nats.client.impl.Headers;
import java.util.Optional;

/**
 * The job stage: a message from ORGCTL_JOBS decoded into a {@link RegenJob} and worked by the
 * {@link Worker}. A message that is no RegenJob is poison.
 */
public final class JobStage implements Stage<RegenJob> {
    private final Worker worker;

    public JobStage(Worker worker) {
        this.worker = worker;
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
        return worker.work(job, delivery);
    }

    @Override
    public Origin origin(Inbound in, Optional<RegenJob> job) {
        return job.map(j -> new Origin(j.getOrg(), j.getRepo(), j.getCausationId())).orElse(new Origin("", "", ""));
    }
}
