package dev.orgctl.controller.preview;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.controller.Classification;
import dev.orgctl.controller.ControllerSettings;
import dev.orgctl.controller.Outcome;
import dev.orgctl.coordination.LockService;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.github.GitHubChecks;
import dev.orgctl.hosts.github.GitHubClient;
import dev.orgctl.hosts.github.GitHubHost;
import dev.orgctl.hosts.github.PullRequestHeads;
import dev.orgctl.nats.MessageCodec;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.JobReason;
import dev.orgctl.proto.RegenJob;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.regen.preview.ImpactPlanner;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.github.FakeChecks;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakePull;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import dev.orgctl.testing.github.RepoSpec;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Previews as workflows on a real NATS: the triggers of a burst of pushes fold into one queued job,
 * whose run previews the newest head; a push during a run makes exactly one follow-up run.
 */
class PreviewWorkflowTest {
    private static final Person ALICE = Person.of("alice");
    private static final String CODEOWNERS = "templates/github/.github/CODEOWNERS";

    private NatsServerFixture nats;
    private Connection conn;
    private GitHubFake fake;
    private FakeRepo templates;
    private FakePull pull;
    private Workflows workflows;
    private LockService locks;
    private PreviewScheduler scheduler;
    private PreviewWorker worker;
    private ConsumerContext jobs;
    private GitHubClient client;
    private GitHubHost host;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        nats = NatsServerFixture.start().withTopology();
        conn = nats.connect();
        fake = GitHubFake.start();
        FakeOrg acme = fake.createOrg("acme");
        templates = acme.createRepo(RepoSpec.named(".github").files(SampleTemplates.files()));
        acme.createRepo(RepoSpec.named("api"));
        client = AppOnFake.client(fake, dir, Map.of("contents", "read", "checks", "write", "pull_requests", "read",
                "metadata", "read"));
        host = new GitHubHost(client);
        workflows = Workflows.open(conn, null, null, "preview-test");
        locks = LockService.open(conn, null, Topology.LOCKS_BUCKET, LockService.Identity.current("preview-test"), null);
        scheduler = new PreviewScheduler(workflows, conn.jetStream(), "preview-test");
        worker = worker(PreviewRunner.Planner.of(new ImpactPlanner(host, "acme", 2)));
        jobs = conn.jetStream().getConsumerContext(Topology.JOBS_STREAM, Topology.WORKERS_CONSUMER);
        templates.createBranch("owners", "main", ALICE);
        templates.push("owners", ALICE, "first", Map.of(CODEOWNERS, "* @acme/first\n"));
        pull = templates.openPull("owners", "main", ALICE, "Owners");
    }

    private PreviewWorker worker(PreviewRunner.Planner planner) {
        PullRequestHeads heads = new PullRequestHeads(client);
        return new PreviewWorker(new PreviewRunner(new GitHubChecks(client), heads, planner), heads, locks, workflows,
                scheduler, ControllerSettings.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        locks.close();
        conn.close();
        host.close();
        fake.close();
        nats.close();
    }

    private Classification.Preview preview(String head, Optional<String> before) {
        return new Classification.Preview("acme", pull.number(), head, "main", before);
    }

    private Optional<RegenJob> nextJob() throws Exception {
        Message m = jobs.next(Duration.ofSeconds(1));
        if (m == null) {
            return Optional.empty();
        }
        m.ack();
        return Optional.of(MessageCodec.decode(m.getHeaders(), m.getData(), RegenJob.getDefaultInstance()));
    }

    private String wf() {
        return PreviewScheduler.workflowId("acme", pull.number());
    }

    @Test
    void aBurstOfPushesIsOneJobWhoseRunPreviewsTheNewestHead() throws Exception {
        String first = templates.requireHead("owners");
        assertThat(scheduler.schedule(preview(first, Optional.empty()), "d1")).isEqualTo("queued");
        String second = templates.push("owners", ALICE, "second", Map.of(CODEOWNERS, "* @acme/second\n"));
        assertThat(scheduler.schedule(preview(second, Optional.of(first)), "d2")).isEqualTo("coalesced");

        RegenJob job = nextJob().orElseThrow();
        assertThat(job.getReason()).isEqualTo(JobReason.PREVIEW);
        assertThat(job.getPullNumber()).isEqualTo(pull.number());
        assertThat(nextJob()).as("one job for the burst").isEmpty();
        assertThat(worker.work(job, 1)).isInstanceOf(Outcome.Done.class);

        assertThat(fake.checks().runs(templates)).singleElement().satisfies(r -> {
            assertThat(r.headSha()).isEqualTo(second);
            assertThat(r.conclusion()).contains("success");
        });
        assertThat(workflows.get(wf()).orElseThrow().state()).isEqualTo(WorkflowState.COMPLETED);
        assertThat(nextJob()).as("no follow-up: nothing came during the run").isEmpty();
    }

    @Test
    void aPushDuringARunSupersedesItAndMakesExactlyOneFollowUpForTheNewHead() throws Exception {
        String first = templates.requireHead("owners");
        String[] second = new String[1];
        ImpactPlanner real = new ImpactPlanner(host, "acme", 2);
        PreviewWorker racing = worker((head, base) -> {
            if (second[0] == null) {
                second[0] = templates.push("owners", ALICE, "second", Map.of(CODEOWNERS, "* @acme/second\n"));
                assertThat(scheduler.schedule(preview(second[0], Optional.of(head)), "d2")).isEqualTo("coalesced");
            }
            return real.plan(head, Optional.of(base));
        });
        scheduler.schedule(preview(first, Optional.empty()), "d1");

        assertThat(racing.work(nextJob().orElseThrow(), 1)).isInstanceOf(Outcome.Done.class);
        RegenJob followUp = nextJob().orElseThrow();
        assertThat(nextJob()).as("exactly one follow-up").isEmpty();
        assertThat(racing.work(followUp, 1)).isInstanceOf(Outcome.Done.class);

        List<FakeChecks.Run> runs = fake.checks().runs(templates);
        assertThat(runs).allSatisfy(r -> assertThat(r.status()).isEqualTo("completed"));
        assertThat(runs).filteredOn(r -> r.headSha().equals(first)).singleElement()
                .satisfies(r -> assertThat(r.summary().orElseThrow()).contains("Superseded by " + second[0]));
        assertThat(runs).filteredOn(r -> r.headSha().equals(second[0])).singleElement()
                .satisfies(r -> assertThat(r.conclusion()).contains("success"));
        assertThat(workflows.get(wf()).orElseThrow().state()).isEqualTo(WorkflowState.COMPLETED);
    }

    @Test
    void aClosedPullRequestEndsTheRunWithoutACheck() throws Exception {
        scheduler.schedule(preview(templates.requireHead("owners"), Optional.empty()), "d1");
        pull.close();

        assertThat(worker.work(nextJob().orElseThrow(), 1)).isInstanceOf(Outcome.Done.class);
        assertThat(fake.checks().runs(templates)).isEmpty();
        assertThat(workflows.get(wf()).orElseThrow().state()).isEqualTo(WorkflowState.COMPLETED);
    }
}
