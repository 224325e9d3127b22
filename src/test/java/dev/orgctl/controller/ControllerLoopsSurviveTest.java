package dev.orgctl.controller;

import static dev.orgctl.controller.OrgFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orgctl.nats.SubjectCodec;
import dev.orgctl.nats.topology.Topology;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A dead letter that cannot be written (ORGCTL_DLQ deleted) never ends the controller's loops (the
 * event loop and the worker loop): the message stays unacknowledged and comes back, readiness stays
 * ok, and once the stream exists again it ends in the DLQ.
 */
class ControllerLoopsSurviveTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aMissingDlqStreamKeepsTheMessageAndTheLoopRecoversWhenItIsBack() throws Exception {
        try (OrgFixture f = OrgFixture.start(1, new CircuitBreaker.Settings(50, Duration.ofMinutes(10)))) {
            var jsm = f.runtime.connection().jetStreamManagement();
            jsm.deleteStream(Topology.DLQ_STREAM);
            Headers h = new Headers();
            h.put("X-GitHub-Event", "push");
            h.put("X-GitHub-Delivery", "garbage-1");
            f.runtime.jetStream().publish(SubjectCodec.subject(OrgFixture.ORG, Optional.of("svc-01"), "push"), h,
                    "{\"ref\": 42, \"commits\": \"nonsense\"".getBytes(StandardCharsets.UTF_8),
                    PublishOptions.builder().messageId("garbage-1").build());

            // And a job that cannot be decoded, for the worker loop: its dead letter cannot be written either.
            Headers type = new Headers();
            type.put("Orgctl-Type", "orgctl.v1.NoSuchJob");
            f.runtime.jetStream().publish(JobScheduler.jobSubject(OrgFixture.ORG, "svc-01"), type,
                    "not a job".getBytes(StandardCharsets.UTF_8), PublishOptions.builder().messageId("garbage-job").build());

            await("the garbage delivery and job tried twice while ORGCTL_DLQ is gone (or a loop stopped)", WAIT,
                    () -> f.counter("orgctl_controller_unfinished", "loop", "controller-events") >= 2
                            && f.counter("orgctl_controller_unfinished", "loop", "controller-worker") >= 2
                            || f.controller().problem().isPresent());
            assertEquals(Optional.empty(), f.controller().problem(), "readiness while the DLQ is missing");

            f.nats.withTopology(); // what 'orgctl topology apply' does: the DLQ stream exists again
            DeadLetters dlq = new DeadLetters(f.runtime.jetStream(), jsm);
            await("the garbage delivery and job in the re-created DLQ", WAIT, () -> dlq.list().stream()
                    .anyMatch(e -> e.letter().getCausationId().equals("garbage-1"))
                    && dlq.list().stream().anyMatch(e -> e.letter().getKind().equals("job")));
            assertEquals(Optional.empty(), f.controller().problem(), "readiness after the DLQ is back");
            await("nothing left unacknowledged", WAIT, () -> f.pendingWork() == 0);
        }
    }
}
