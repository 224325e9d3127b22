package dev.orgctl.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.coordination.LockService;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.HostException;
import dev.orgctl.hosts.Hosts;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.github.GitHubApiException;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.JobReason;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.regen.ForwardingHost;
import dev.orgctl.regen.SampleTemplates;
import io.nats.client.Message;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A host failure the host calls final (GitHub refused: a 404, a missing permission, a failed
 * validation) is dead-lettered on the first attempt, as controller.md promises for a failure that
 * is not retryable; one that may pass (GitHub failed on its side) is retried with the backoff.
 */
class WorkerHostRefusalTest {

    @Test
    void aRefusalIsDeadLetteredAtOnce() throws Exception {
        Action first = firstAction(() -> new GitHubApiException(GitHubApiException.Kind.FORBIDDEN, 403,
                "POST /graphql (OrgctlCommit)", "GitHub refused POST /graphql (OrgctlCommit): Resource not accessible "
                + "by integration", Optional.of("contents: write"), List.of(), null), WorkflowState.FAILED);
        assertThat(first).isInstanceOf(Action.Term.class);
    }

    @Test
    void aFailureOnGitHubsSideIsRetried() throws Exception {
        Action first = firstAction(() -> new GitHubApiException(GitHubApiException.Kind.SERVER_ERROR, 502,
                "POST /graphql (OrgctlReadBranch)", "GitHub answered 502", Optional.empty(), List.of(), null),
                WorkflowState.RUNNING);
        assertThat(first).isInstanceOf(Action.Nak.class);
    }

    @Test
    void aHostThatCannotBeReachedIsRetried() throws Exception {
        Action first = firstAction(() -> new HostException("cannot read acme/svc: connection reset"),
                WorkflowState.RUNNING);
        assertThat(first).isInstanceOf(Action.Nak.class);
    }

    /** The action of the dispatcher on the first delivery of a job whose every read of the target fails so. */
    private static Action firstAction(Supplier<HostException> failure, WorkflowState then) throws Exception {
        try (OrgFixture f = OrgFixture.create(1, SampleTemplates.files())) {
            NatsRuntime nats = f.connect();
            String repo = f.targets.get(0).name();
            RepositoryHost host = new ForwardingHost(Hosts.open(f.config, Optional.of(nats))) {
                @Override
                public Optional<RepoSnapshot> readBranch(RepoRef r, String branch, FileSelection selection) {
                    if (r.name().equals(repo)) {
                        throw failure.get();
                    }
                    return super.readBranch(r, branch, selection);
                }
            };
            ControllerSettings settings = ControllerSettings.defaults().withSettle(Duration.ZERO, Duration.ZERO);
            try (LockService locks = LockService.open(nats.connection(), nats.connector().keyValueOptions(),
                    Topology.LOCKS_BUCKET, LockService.Identity.current("worker-test"), null)) {
                WorkerRig rig = WorkerRig.of(nats, host, locks, settings);
                Workflows workflows = rig.workflows();
                JobScheduler scheduler = rig.scheduler();
                DeadLetters deadLetters = rig.deadLetters();
                Dispatcher<dev.orgctl.proto.RegenJob> jobs = rig.jobs();
                scheduler.schedule(OrgFixture.ORG, repo, JobReason.RECONCILE, "", "test-cause", 0);
                Message job = nats.jetStream().getConsumerContext(Topology.JOBS_STREAM, Topology.WORKERS_CONSUMER)
                        .next(Duration.ofSeconds(10));
                assertThat(job).isNotNull();
                Inbound in = Dispatcher.inbound(job);
                Action first = jobs.decide(new Inbound(in.subject(), in.headers(), in.body(), 1));
                job.ack();

                var record = workflows.get(JobScheduler.workflowId(OrgFixture.ORG, repo)).orElseThrow().record();
                assertThat(record.getState()).isEqualTo(then);
                if (then == WorkflowState.FAILED) {
                    assertThat(record.getLastError()).contains("Resource not accessible by integration");
                    assertThat(deadLetters.list()).singleElement().satisfies(d -> {
                        assertThat(d.letter().getStoppedBy()).isEqualTo("poison");
                        assertThat(d.letter().getAttempts()).isEqualTo(1);
                    });
                } else {
                    assertThat(deadLetters.list()).isEmpty();
                }
                return first;
            }
        }
    }
}
