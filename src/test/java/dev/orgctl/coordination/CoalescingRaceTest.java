package dev.orgctl.coordination;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.nats.NatsConnector;
import dev.orgctl.proto.Trigger;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.proto.WorkflowStateEvent;
import dev.orgctl.testing.SharedNats;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Coalescing on a real server, with triggers racing each other and a worker. */
class CoalescingRaceTest {
    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    private static NatsConnector connector;

    @BeforeAll
    static void start() throws Exception {
        connector = new NatsConnector(NATS.settings());
        TestBuckets.createLockBucket(NATS.connection(), "LOCKS_RACE", Duration.ofSeconds(5));
    }

    private static Workflows workflows(String actor) {
        Connection c = NATS.connect();
        return Workflows.open(c, connector.jetStreamOptions(), connector.keyValueOptions(), actor);
    }

    private static Trigger trigger(String cause) {
        return Trigger.newBuilder().setCausationId(cause).setTemplateRevision(cause).build();
    }

    @Test
    void aConcurrentBurstDuringARunGivesExactlyOneFollowUpWithTheLastTrigger() throws Exception {
        String id = "burst/acme/repo";
        Workflows worker = workflows("worker");
        try (LockService locks = TestBuckets.locks(NATS.connection(), "LOCKS_RACE", "worker")) {
            assertThat(workflows("c0").trigger(id, trigger("first"))).isEqualTo(TriggerOutcome.STARTED_PENDING);
            Lease lease = locks.tryAcquire(id, "regen").orElseThrow();
            Run run1 = worker.start(id, "run-1", lease).orElseThrow();

            // 4 controllers x 15 triggers, all at once, while run-1 runs.
            int controllers = 4;
            ExecutorService pool = Executors.newFixedThreadPool(controllers);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<TriggerOutcome>>> futures = new ArrayList<>();
            for (int c = 0; c < controllers; c++) {
                Workflows wf = workflows("controller-" + c);
                int cc = c;
                futures.add(pool.submit(() -> {
                    go.await();
                    List<TriggerOutcome> out = new ArrayList<>();
                    for (int i = 0; i < 15; i++) {
                        out.add(wf.trigger(id, trigger("c" + cc + "-" + i)));
                    }
                    return out;
                }));
            }
            go.countDown();
            for (Future<List<TriggerOutcome>> f : futures) {
                assertThat(f.get()).containsOnly(TriggerOutcome.COALESCED);
            }
            pool.shutdown();
            // The newest trigger, unambiguously last.
            assertThat(workflows("c-last").trigger(id, trigger("last"))).isEqualTo(TriggerOutcome.COALESCED);

            FollowUp f = worker.complete(run1, RunResult.of("done"));
            assertThat(f.isRerun()).isTrue();
            assertThat(f.trigger().orElseThrow().getCausationId()).isEqualTo("last");
            Run run2 = worker.start(id, "run-2", lease).orElseThrow();
            assertThat(run2.trigger().getCausationId()).isEqualTo("last");
            assertThat(worker.complete(run2, RunResult.of("done")).isRerun()).isFalse();
            assertThat(worker.start(id, "run-3", lease)).as("nothing more to run").isEmpty();
            lease.release();
        }
        List<WorkflowStateEvent> h = worker.history(id);
        assertThat(h.stream().filter(e -> e.getTargetState() == WorkflowState.RUNNING).count())
                .as("runs for 62 triggers").isEqualTo(2);
        assertThat(worker.get(id).orElseThrow().record().getRuns()).isEqualTo(2);
    }

    @Test
    void triggersRacingAWorkerLoopNeverLoseTheLastTrigger() throws Exception {
        String id = "loop/acme/repo";
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Run> runs = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        Workflows worker = workflows("worker");
        try (LockService locks = TestBuckets.locks(NATS.connection(), "LOCKS_RACE", "worker")) {
            Lease lease = locks.tryAcquire(id, "regen").orElseThrow();
            Thread workerLoop = new Thread(() -> {
                int n = 0;
                try {
                    while (!stop.get() || worker.get(id).map(s -> s.state() == WorkflowState.PENDING).orElse(false)) {
                        Optional<Run> run = worker.start(id, "run-" + (++n), lease);
                        if (run.isEmpty()) {
                            Thread.sleep(2);
                            continue;
                        }
                        runs.add(run.get());
                        Thread.sleep(5); // the work
                        worker.complete(run.get(), RunResult.of("done"));
                    }
                } catch (Throwable t) {
                    errors.add(t);
                }
            }, "worker-loop");
            workerLoop.start();

            int controllers = 3;
            ExecutorService pool = Executors.newFixedThreadPool(controllers);
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < controllers; c++) {
                Workflows wf = workflows("controller-" + c);
                int cc = c;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        wf.trigger(id, trigger("c" + cc + "-" + i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            pool.shutdown();
            workflows("c-last").trigger(id, trigger("last"));
            stop.set(true);
            workerLoop.join(30_000);
            assertThat(errors).isEmpty();
            lease.release();
        }
        List<Run> all = new ArrayList<>(runs);
        assertThat(all).isNotEmpty();
        assertThat(all.get(all.size() - 1).trigger().getCausationId()).as("the final run used the last trigger")
                .isEqualTo("last");
        assertThat(all).extracting(r -> r.trigger().getCausationId()).doesNotHaveDuplicates();
        assertThat(worker.get(id).orElseThrow().state()).isEqualTo(WorkflowState.COMPLETED);
        // History: one chain, never two runs at once.
        WorkflowState at = WorkflowState.IDLE;
        int running = 0;
        for (WorkflowStateEvent e : worker.history(id)) {
            assertThat(e.getCurrentState()).isEqualTo(at);
            at = e.getTargetState();
            if (at == WorkflowState.RUNNING) {
                running++;
            }
        }
        assertThat(running).isEqualTo(all.size());
        assertThat(all.size()).as("far fewer runs than the 121 triggers").isLessThan(121);
    }
}
