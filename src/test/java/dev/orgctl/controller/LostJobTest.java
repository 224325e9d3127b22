package dev.orgctl.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.coordination.TriggerOutcome;
import dev.orgctl.coordination.WorkflowSnapshot;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.JobReason;
import dev.orgctl.proto.Trigger;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.testing.SharedNats;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A regeneration left PENDING without its job: the replica that recorded the trigger died before
 * queueing the job (here: the trigger is recorded and nothing is queued, as that replica left it).
 * The job is queued again once, by the next trigger folded into the run or by the sweep, and not
 * while a job of the repository waits in the queue.
 */
class LostJobTest {
    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    private static Workflows workflows;
    private static JetStreamManagement jsm;

    @BeforeAll
    static void open() throws IOException {
        NatsConnector connector = new NatsConnector(NATS.settings());
        workflows = Workflows.open(NATS.connection(), connector.jetStreamOptions(), connector.keyValueOptions(),
                "lost-job-test");
        jsm = NATS.connection().jetStreamManagement();
    }

    private static JobScheduler scheduler(Duration stalePending) throws IOException {
        return new JobScheduler(workflows, NATS.connection().jetStream(), "lost-job-test", stalePending);
    }

    /** What the replica did before it died: the workflow PENDING, no job. */
    private static WorkflowSnapshot pendingWithoutJob(String org, String repo) {
        Trigger t = Trigger.newBuilder().setOrg(org).setCausationId("delivery-" + repo).setReason("template_change")
                .build();
        assertThat(workflows.trigger(JobScheduler.workflowId(org, repo), t)).isEqualTo(TriggerOutcome.STARTED_PENDING);
        return workflows.get(JobScheduler.workflowId(org, repo)).orElseThrow();
    }

    private static long jobs(String org, String repo) throws IOException, JetStreamApiException {
        String subject = JobScheduler.jobSubject(org, repo);
        return jsm.getStreamInfo(Topology.JOBS_STREAM, io.nats.client.api.StreamInfoOptions.filterSubjects(subject))
                .getStreamState().getSubjectMap().getOrDefault(subject, 0L);
    }

    @Test
    void aTriggerFoldedIntoARunWhoseJobWasLostQueuesItOnce() throws Exception {
        pendingWithoutJob("lost", "api");
        assertThat(jobs("lost", "api")).isZero();

        JobScheduler s = scheduler(Duration.ZERO);
        assertThat(s.schedule("lost", "api", JobReason.TEMPLATE_CHANGE, "", "delivery-2", 0))
                .isEqualTo(JobScheduler.Outcome.COALESCED);
        assertThat(jobs("lost", "api")).as("the lost job queued again").isEqualTo(1);
        // Another trigger: the job waits in the queue, nothing more is queued.
        s.schedule("lost", "api", JobReason.TEMPLATE_CHANGE, "", "delivery-3", 0);
        assertThat(jobs("lost", "api")).isEqualTo(1);
    }

    @Test
    void aRunPendingForLessThanTheThresholdIsLeftToTheReplicaQueueingItsJob() throws Exception {
        pendingWithoutJob("young", "api");
        scheduler(Duration.ofMinutes(10)).schedule("young", "api", JobReason.TEMPLATE_CHANGE, "", "delivery-2", 0);
        assertThat(jobs("young", "api")).isZero();
    }

    @Test
    void theSweepQueuesLostJobsOnlyAndCountsFromWhenTheRunBecamePending() throws Exception {
        WorkflowSnapshot lost = pendingWithoutJob("sweep", "lost");
        JobScheduler s = scheduler(Duration.ofMinutes(10));
        assertThat(s.schedule("sweep", "queued", JobReason.TEMPLATE_CHANGE, "", "delivery-q", 0))
                .isEqualTo(JobScheduler.Outcome.QUEUED);
        // A trigger folded in later updates the record, not the time it became PENDING.
        s.schedule("sweep", "lost", JobReason.TEMPLATE_CHANGE, "", "delivery-later", 0);
        WorkflowSnapshot folded = workflows.get(JobScheduler.workflowId("sweep", "lost")).orElseThrow();
        assertThat(folded.state()).isEqualTo(WorkflowState.PENDING);
        assertThat(folded.inStateSince()).isEqualTo(lost.inStateSince());
        assertThat(folded.record().getUpdatedAt()).isNotEqualTo(lost.record().getUpdatedAt());

        assertThat(s.requeueIfLost(folded, lost.inStateSince().minusSeconds(1))).as("not stale yet").isFalse();
        Instant cutoff = Instant.now().plusSeconds(1); // every run counts as stale
        assertThat(s.requeueIfLost(folded, cutoff)).isTrue();
        assertThat(s.requeueIfLost(workflows.get(JobScheduler.workflowId("sweep", "queued")).orElseThrow(), cutoff))
                .as("its job waits in the queue").isFalse();
        assertThat(s.requeueIfLost(folded, cutoff)).as("queued now").isFalse();
        assertThat(jobs("sweep", "lost")).isEqualTo(1);
        assertThat(jobs("sweep", "queued")).isEqualTo(1);
    }
}
