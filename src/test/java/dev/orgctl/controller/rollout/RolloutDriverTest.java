package dev.orgctl.controller.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.controller.JobScheduler;
import dev.orgctl.coordination.Lease;
import dev.orgctl.coordination.LockService;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.git.GitHost;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutGate;
import dev.orgctl.proto.RolloutState;
import dev.orgctl.proto.RolloutWave;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.proto.WorkflowStateEvent;
import dev.orgctl.testing.NatsServerFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas' drivers (each its own connection, store and scheduler) tick one rollout at once on a
 * real nats-server while its runs end: they race only on the record's compare-and-set, so every
 * wave starts once, none is skipped, and the history has each step once.
 */
class RolloutDriverTest {
    @TempDir
    Path gitRoot;

    @Test
    void twoReplicasDrivingOneRolloutStartEveryWaveOnce() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start().withTopology();
             GitHost host = new GitHost(gitRoot)) {
            NatsConnector connector = new NatsConnector(nats.settings());
            List<Connection> connections = new ArrayList<>();
            List<RolloutDriver> drivers = new ArrayList<>();
            KvRollouts store = null;
            for (int i = 0; i < 2; i++) {
                Connection c = nats.connect();
                connections.add(c);
                Workflows wf = Workflows.open(c, connector.jetStreamOptions(), connector.keyValueOptions(), "replica-" + i);
                KvRollouts s = new KvRollouts(c.keyValue(Topology.ROLLOUTS_BUCKET), Clock.systemUTC(),
                        new RolloutWorkflow(wf));
                store = store == null ? s : store;
                drivers.add(new RolloutDriver(s, new JobScheduler(wf, c.jetStream(), "replica-" + i),
                        new CiPoller(s, host, Duration.ofSeconds(30)), new RolloutWorkflow(wf),
                        new RolloutMetrics(new SimpleMeterRegistry()), Clock.systemUTC()));
            }
            String rev = "a".repeat(40);
            List<RolloutWave> waves = List.of(wave("w1", "r1", "r2"), wave("w2", "r3", "r4", "r5"), wave("w3", "r6"));
            new RolloutStarter(store, RolloutWorkflow.NONE, Clock.systemUTC()).begin(new RolloutMachine.Begin("acme",
                    rev, rev, "b".repeat(40), waves, RolloutGate.getDefaultInstance(), "", "delivery", "test"));

            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                for (int round = 0; round < 200; round++) {
                    List<Future<?>> ticks = new ArrayList<>();
                    for (RolloutDriver d : drivers) {
                        ticks.add(pool.submit(d::tick));
                    }
                    for (Future<?> t : ticks) {
                        t.get();
                    }
                    // The runs of the started wave end with no change: their gate passes at once.
                    Rollout r = store.get("acme", rev).orElseThrow();
                    if (r.getState() == RolloutState.ROLLOUT_COMPLETED) {
                        break;
                    }
                    for (String repo : r.getWaves((int) r.getWave()).getReposList()) {
                        if (store.pin("acme", repo).isPresent()) {
                            store.recordRun("acme", repo, rev, p -> p.setOutcome("no_change"));
                        }
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            Rollout done = store.get("acme", rev).orElseThrow();
            assertThat(done.getState()).isEqualTo(RolloutState.ROLLOUT_COMPLETED);
            assertThat(done.getWavesList()).extracting(RolloutWave::getOutcome).containsExactly("passed", "passed", "passed");
            assertThat(store.stable("acme")).contains(rev);
            // begin, then per wave: started, regenerated (gating), gate passed: 1 + 3 * 3 transitions.
            assertThat(done.getTransitions()).isEqualTo(10);

            Workflows reader = Workflows.open(connections.get(0), connector.jetStreamOptions(),
                    connector.keyValueOptions(), "reader");
            List<String> steps = reader.history(RolloutWorkflow.workflowId("acme", rev)).stream()
                    .map(WorkflowStateEvent::getReason).toList();
            for (int k = 1; k <= 3; k++) {
                String started = "wave " + k + "/3 started";
                assertThat(steps.stream().filter(s -> s.startsWith(started)).count()).as(started).isEqualTo(1);
                String passed = "wave " + k + " gate passed";
                assertThat(steps.stream().filter(s -> s.startsWith(passed)).count()).as(passed).isEqualTo(1);
            }
            assertThat(reader.get(RolloutWorkflow.workflowId("acme", rev)).orElseThrow().state())
                    .isEqualTo(WorkflowState.COMPLETED);
            // Every repository got its job's trigger: its workflow is PENDING with the rollout as the cause.
            for (String repo : List.of("r1", "r2", "r3", "r4", "r5", "r6")) {
                var w = reader.get(JobScheduler.workflowId("acme", repo)).orElseThrow();
                assertThat(w.record().getTrigger().getReason()).isEqualTo("rollout");
                assertThat(w.record().getTrigger().getCausationId()).startsWith("rollout-" + rev + "-wave-");
            }
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    /**
     * A replica that does not drive the org's rollout (another holds the driver lock) still reports
     * its gauges: read from the store at most every 10 s, not left at what it last saw.
     */
    @Test
    void aReplicaThatDoesNotDriveFollowsTheRolloutsGaugesEveryTenSeconds() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start().withTopology();
             GitHost host = new GitHost(gitRoot);
             Connection c = nats.connect()) {
            NatsConnector connector = new NatsConnector(nats.settings());
            Workflows wf = Workflows.open(c, connector.jetStreamOptions(), connector.keyValueOptions(), "follower");
            KvRollouts store = new KvRollouts(c.keyValue(Topology.ROLLOUTS_BUCKET), Clock.systemUTC(),
                    RolloutWorkflow.NONE);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            java.util.concurrent.atomic.AtomicReference<java.time.Instant> now =
                    new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.parse("2026-12-04T12:00:00Z"));
            Clock clock = new Clock() {
                @Override
                public java.time.ZoneId getZone() {
                    return java.time.ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(java.time.ZoneId zone) {
                    return this;
                }

                @Override
                public java.time.Instant instant() {
                    return now.get();
                }
            };
            try (LockService follower = LockService.open(c, connector.keyValueOptions(), Topology.LOCKS_BUCKET,
                    LockService.Identity.current("follower"), null);
                 LockService driving = LockService.open(c, connector.keyValueOptions(), Topology.LOCKS_BUCKET,
                         LockService.Identity.current("the driving replica"), null)) {
                RolloutDriver d = new RolloutDriver(store, new JobScheduler(wf, c.jetStream(), "follower"),
                        new CiPoller(store, host, Duration.ofSeconds(30)), RolloutWorkflow.NONE,
                        new RolloutMetrics(registry), clock, java.util.Optional.of(follower));
                String rev = "c".repeat(40);
                new RolloutStarter(store, RolloutWorkflow.NONE, Clock.systemUTC()).begin(new RolloutMachine.Begin("acme",
                        rev, rev, "b".repeat(40), List.of(wave("w1", "r1"), wave("w2", "r2")),
                        RolloutGate.getDefaultInstance(), "", "delivery", "test"));
                long transitions = store.get("acme", rev).orElseThrow().getTransitions();
                try (Lease held = driving.tryAcquire("controller/rollouts/acme", "rollout driver").orElseThrow()) {
                    d.tick();
                    assertThat(wave(registry)).as("followed: the rollout has begun").isEqualTo(1);
                    store.update("acme", rev, r -> java.util.Optional.of(r.toBuilder().setWave(1).build()));
                    d.tick();
                    assertThat(wave(registry)).as("read at most every 10 s").isEqualTo(1);
                    now.set(now.get().plus(RolloutDriver.FOLLOW_EVERY));
                    d.tick();
                    assertThat(wave(registry)).as("10 s later").isEqualTo(2);
                    assertThat(store.get("acme", rev).orElseThrow().getTransitions())
                            .as("the follower drove nothing").isEqualTo(transitions);
                }
            }
        }
    }

    private static double wave(SimpleMeterRegistry registry) {
        return registry.get("orgctl_rollout_wave").tag("org", "acme").gauge().value();
    }

    private static RolloutWave wave(String label, String... repos) {
        return RolloutWave.newBuilder().setLabel(label).addAllRepos(List.of(repos)).build();
    }
}
