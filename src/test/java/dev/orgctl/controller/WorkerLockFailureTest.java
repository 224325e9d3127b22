package dev.orgctl.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.coordination.LockService;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.Hosts;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.JobReason;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.CorruptKv;
import io.nats.client.Message;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A lock bucket the server corrupted (a create over a live holder succeeds, the key then reads as
 * nothing): the worker's retries are bounded, then the workflow is FAILED with the reason, the job
 * is in the DLQ and a metric names the bucket, instead of a RUNNING workflow retried forever.
 */
class WorkerLockFailureTest {
    @ParameterizedTest
    @EnumSource(value = CorruptKv.Mode.class, names = {"CREATE_OVER_HOLDER_READS_EMPTY", "KEY_READS_EMPTY_AFTER_READ_BACK"})
    void aJobWhoseLockCannotBeTrustedFailsVisiblyAfterBoundedRetries(CorruptKv.Mode mode) throws Exception {
        // Inconsistent at once: the create does not read back. Or lost mid-run: the run starts, then its
        // lock reads as gone at the check before the commit, on every attempt (the retry loop of the issue).
        boolean atCreate = mode == CorruptKv.Mode.CREATE_OVER_HOLDER_READS_EMPTY;
        try (OrgFixture f = OrgFixture.create(1, SampleTemplates.files())) {
            NatsRuntime nats = f.connect();
            RepositoryHost host = Hosts.open(f.config, Optional.of(nats));
            ControllerSettings settings = ControllerSettings.defaults().withSettle(Duration.ZERO, Duration.ZERO)
                    .withMaxLockFailures(3);
            try (LockService corrupt = LockService.open(nats.connection(), nats.connector().keyValueOptions(),
                    Topology.LOCKS_BUCKET, LockService.Identity.current("worker-test"), null,
                    CorruptKv.playing(mode))) {
                WorkerRig rig = WorkerRig.of(nats, host, corrupt, settings);
                Workflows workflows = rig.workflows();
                JobScheduler scheduler = rig.scheduler();
                DeadLetters deadLetters = rig.deadLetters();
                ControllerMetrics metrics = rig.metrics();
                Dispatcher<dev.orgctl.proto.RegenJob> jobs = rig.jobs();
                String repo = f.targets.get(0).name();
                String wf = JobScheduler.workflowId(OrgFixture.ORG, repo);
                scheduler.schedule(OrgFixture.ORG, repo, JobReason.RECONCILE, "", "test-cause", 0);
                Message job = nats.jetStream().getConsumerContext(Topology.JOBS_STREAM, Topology.WORKERS_CONSUMER)
                        .next(Duration.ofSeconds(10));
                assertThat(job).isNotNull();

                Inbound in = Dispatcher.inbound(job);
                Action first = jobs.decide(new Inbound(in.subject(), in.headers(), in.body(), 1));
                Action second = jobs.decide(new Inbound(in.subject(), in.headers(), in.body(), 2));
                assertThat(first).as("retried").isInstanceOf(Action.Nak.class);
                assertThat(second).as("retried").isInstanceOf(Action.Nak.class);
                Action third = jobs.decide(new Inbound(in.subject(), in.headers(), in.body(), 3));
                assertThat(third).as("the third failure ends the job").isInstanceOf(Action.Term.class);
                job.ack();

                var record = workflows.get(wf).orElseThrow().record();
                assertThat(record.getState()).isEqualTo(WorkflowState.FAILED);
                assertThat(record.getLastError()).contains(atCreate ? "lock bucket ORGCTL_LOCKS is inconsistent"
                        : "lost the lock " + wf).contains("ORGCTL_LOCKS");
                if (!atCreate) {
                    assertThat(record.getAttempt()).as("each retry took the run over").isEqualTo(3);
                }
                assertThat(deadLetters.list()).anySatisfy(d -> {
                    assertThat(d.letter().getStoppedBy()).isEqualTo("lock");
                    assertThat(d.letter().getRepo()).isEqualTo(repo);
                    assertThat(d.letter().getError()).contains("ORGCTL_LOCKS");
                });
                assertThat(metrics.count("orgctl_controller_lock_failures", "kind", atCreate ? "inconsistent" : "lost"))
                        .isEqualTo(3);
                assertThat(f.orgctlCommits(f.targets.get(0))).as("nothing written without a lock").isZero();
            }
        }
    }
}
