package dev.orgctl.coordination;

import static dev.orgctl.proto.WorkflowState.COMPLETED;
import static dev.orgctl.proto.WorkflowState.FAILED;
import static dev.orgctl.proto.WorkflowState.IDLE;
import static dev.orgctl.proto.WorkflowState.PAUSED;
import static dev.orgctl.proto.WorkflowState.PENDING;
import static dev.orgctl.proto.WorkflowState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.Trigger;
import dev.orgctl.proto.WorkflowRecord;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.proto.WorkflowStateEvent;
import dev.orgctl.testing.SharedNats;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WorkflowStateMachineTest {
    /** The table of the product brief, written out here rather than taken from the code under test. */
    private static final Map<WorkflowState, Set<WorkflowState>> LEGAL = Map.of(
            IDLE, EnumSet.of(PENDING),
            PENDING, EnumSet.of(RUNNING),
            RUNNING, EnumSet.of(COMPLETED, FAILED, PAUSED),
            PAUSED, EnumSet.of(RUNNING, COMPLETED, FAILED),
            COMPLETED, EnumSet.of(PENDING),
            FAILED, EnumSet.of(PENDING));
    private static final List<WorkflowState> STATES = List.of(IDLE, PENDING, RUNNING, COMPLETED, FAILED, PAUSED);

    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    private static NatsConnector connector;

    @BeforeAll
    static void start() throws Exception {
        connector = new NatsConnector(NATS.settings());
        TestBuckets.createLockBucket(NATS.connection(), "LOCKS_WF", Duration.ofSeconds(2));
    }

    private static Workflows workflows(String actor) {
        return Workflows.open(NATS.connection(), connector.jetStreamOptions(), connector.keyValueOptions(), actor);
    }

    private static Trigger trigger(String cause, String rev) {
        return Trigger.newBuilder().setCausationId(cause).setTemplateRevision(rev).setOrg("acme").build();
    }

    /** Drives a fresh workflow to {@code state} along legal transitions. */
    private static void driveTo(Workflows wf, String id, WorkflowState state) {
        if (state == IDLE) {
            return;
        }
        wf.transition(id, PENDING, Change.because("setup"));
        if (state == PENDING) {
            return;
        }
        wf.transition(id, RUNNING, Change.because("setup"));
        if (state == RUNNING) {
            return;
        }
        wf.transition(id, state, Change.because("setup"));
    }

    @Test
    void everyLegalAndIllegalTransition() {
        Workflows wf = workflows("table");
        int legal = 0;
        int illegal = 0;
        for (WorkflowState from : STATES) {
            for (WorkflowState to : STATES) {
                String id = "table/" + from + "/" + to;
                driveTo(wf, id, from);
                Optional<WorkflowSnapshot> before = wf.get(id);
                assertThat(before.map(WorkflowSnapshot::state).orElse(IDLE)).isEqualTo(from);
                int eventsBefore = wf.history(id).size();
                if (LEGAL.get(from).contains(to)) {
                    WorkflowSnapshot after = wf.transition(id, to, Change.because("legal step"));
                    assertThat(after.state()).as(from + " -> " + to).isEqualTo(to);
                    assertThat(wf.get(id).orElseThrow().state()).isEqualTo(to);
                    List<WorkflowStateEvent> h = wf.history(id);
                    assertThat(h).hasSize(eventsBefore + 1);
                    assertThat(h.get(h.size() - 1)).extracting(WorkflowStateEvent::getCurrentState,
                            WorkflowStateEvent::getTargetState, WorkflowStateEvent::getReason)
                            .containsExactly(from, to, "legal step");
                    legal++;
                } else {
                    assertThatThrownBy(() -> wf.transition(id, to, Change.because("illegal step")))
                            .as(from + " -> " + to)
                            .isInstanceOf(IllegalTransitionException.class)
                            .hasMessageContaining(from + " -> " + to)
                            .hasMessageContaining(id);
                    // Nothing was written.
                    assertThat(wf.get(id).map(WorkflowSnapshot::revision)).isEqualTo(before.map(WorkflowSnapshot::revision));
                    assertThat(wf.history(id)).hasSize(eventsBefore);
                    illegal++;
                }
            }
        }
        assertThat(legal).isEqualTo(10);
        assertThat(illegal).isEqualTo(26);
    }

    @Test
    void progressIsARunningToRunningStepOfARunningWorkflowOnly() {
        Workflows wf = workflows("progress");
        String id = "rollout/acme/" + "a".repeat(40);
        driveTo(wf, id, RUNNING);
        String runId = wf.get(id).orElseThrow().record().getRunId();
        wf.progress(id, Change.because("wave 2/3 started (10 repositories)"));
        assertThat(wf.get(id).orElseThrow().state()).isEqualTo(RUNNING);
        assertThat(wf.get(id).orElseThrow().record().getRunId()).isEqualTo(runId);
        List<WorkflowStateEvent> h = wf.history(id);
        assertThat(h.get(h.size() - 1)).extracting(WorkflowStateEvent::getCurrentState,
                WorkflowStateEvent::getTargetState, WorkflowStateEvent::getReason)
                .containsExactly(RUNNING, RUNNING, "wave 2/3 started (10 repositories)");
        wf.transition(id, PAUSED, Change.because("wave 2 gate failed"));
        assertThatThrownBy(() -> wf.progress(id, Change.because("late"))).isInstanceOf(IllegalTransitionException.class);
        wf.transition(id, RUNNING, Change.because("resumed by cli:ann"));
        assertThat(wf.get(id).orElseThrow().record().getRunId()).as("a resume goes on with the same run").isEqualTo(runId);
    }

    @Test
    void concurrentTransitionsOnOneWorkflowExactlyOneWinsEachStep() throws Exception {
        String id = "race/acme/repo";
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        // Each thread has its own Workflows and connection: separate processes in all but name.
        List<Connection> conns = new ArrayList<>();
        List<Workflows> wfs = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Connection c = NATS.fixture().connect();
            conns.add(c);
            wfs.add(Workflows.open(c, connector.jetStreamOptions(), connector.keyValueOptions(), "racer-" + i));
        }
        List<WorkflowState[]> winners = new ArrayList<>();
        try {
            WorkflowState state = IDLE;
            List<WorkflowState> steps = new ArrayList<>();
            for (int cycle = 0; cycle < 4; cycle++) {
                steps.addAll(List.of(PENDING, RUNNING, cycle % 2 == 0 ? COMPLETED : FAILED));
            }
            for (WorkflowState step : steps) {
                // On the RUNNING -> end step, half the racers want COMPLETED and half FAILED.
                CountDownLatch go = new CountDownLatch(1);
                List<Future<WorkflowState>> results = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    Workflows w = wfs.get(i);
                    WorkflowState target = step == COMPLETED || step == FAILED ? (i % 2 == 0 ? COMPLETED : FAILED) : step;
                    results.add(pool.submit(() -> {
                        go.await();
                        try {
                            return w.transition(id, target, Change.because("racer wants " + target)).state();
                        } catch (IllegalTransitionException e) {
                            return null;
                        }
                    }));
                }
                go.countDown();
                List<WorkflowState> won = new ArrayList<>();
                for (Future<WorkflowState> f : results) {
                    WorkflowState s = f.get();
                    if (s != null) {
                        won.add(s);
                    }
                }
                assertThat(won).as("winners of step to " + step).hasSize(1);
                winners.add(new WorkflowState[] {state, won.get(0)});
                state = won.get(0);
                assertThat(wfs.get(0).get(id).orElseThrow().state()).isEqualTo(state);
            }
        } finally {
            pool.shutdownNow();
            for (Connection c : conns) {
                c.close();
            }
        }
        // The history is exactly the winners' transitions, in order.
        List<WorkflowStateEvent> h = workflows("reader").history(id);
        assertThat(h).hasSize(winners.size());
        for (int i = 0; i < winners.size(); i++) {
            assertThat(h.get(i).getCurrentState()).isEqualTo(winners.get(i)[0]);
            assertThat(h.get(i).getTargetState()).isEqualTo(winners.get(i)[1]);
        }
        assertThat(h).extracting(WorkflowStateEvent::getRevision).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void historyTellsTheStoryOneEventPerTransitionInOrder() throws Exception {
        String id = "story/acme/.github";
        Workflows wf = workflows("controller");
        try (LockService locks = TestBuckets.locks(NATS.connection(), "LOCKS_WF", "worker")) {
            assertThat(wf.trigger(id, trigger("d1", "rev1"))).isEqualTo(TriggerOutcome.STARTED_PENDING);
            assertThat(wf.trigger(id, trigger("d2", "rev2"))).isEqualTo(TriggerOutcome.COALESCED);
            Lease lease = locks.tryAcquire(id, "regen").orElseThrow();
            Run run = wf.start(id, "run-1", lease).orElseThrow();
            assertThat(run.trigger().getTemplateRevision()).as("the pending run uses the newest trigger").isEqualTo("rev2");
            assertThat(wf.trigger(id, trigger("d3", "rev3"))).isEqualTo(TriggerOutcome.COALESCED);
            assertThat(wf.trigger(id, trigger("d4", "rev4"))).isEqualTo(TriggerOutcome.COALESCED);
            FollowUp f = wf.complete(run, new RunResult("committed", "base1", "commit1"));
            assertThat(f.isRerun()).isTrue();
            assertThat(f.trigger().orElseThrow().getTemplateRevision()).isEqualTo("rev4");
            Run second = wf.start(id, "run-2", lease).orElseThrow();
            assertThat(second.trigger().getCausationId()).isEqualTo("d4");
            assertThat(wf.fail(second, "push refused").isRerun()).isFalse();
            lease.release();
        }
        WorkflowRecord rec = wf.get(id).orElseThrow().record();
        assertThat(rec.getState()).isEqualTo(FAILED);
        assertThat(rec.getLastError()).isEqualTo("push refused");
        assertThat(rec.getRuns()).isEqualTo(2);

        List<WorkflowStateEvent> h = wf.history(id);
        assertThat(h).extracting(WorkflowStateEvent::getCurrentState, WorkflowStateEvent::getTargetState,
                WorkflowStateEvent::getRunId, WorkflowStateEvent::getTemplateRevision)
                .containsExactly(
                        tuple(IDLE, PENDING, "", "rev1"),
                        tuple(PENDING, RUNNING, "run-1", "rev2"),
                        tuple(RUNNING, COMPLETED, "run-1", "rev2"),
                        tuple(COMPLETED, PENDING, "run-1", "rev4"),
                        tuple(PENDING, RUNNING, "run-2", "rev4"),
                        tuple(RUNNING, FAILED, "run-2", "rev4"));
        assertThat(h.get(2).getResultCommit()).isEqualTo("commit1");
        assertThat(h.get(3).getReason()).contains("2 triggers arrived during run run-1");
        assertThat(h.get(5).getError()).isEqualTo("push refused");
        assertThat(h).allSatisfy(e -> {
            assertThat(e.getWorkflowId()).isEqualTo(id);
            assertThat(e.getOrg()).isEqualTo("acme");
            assertThat(e.hasTimestamp()).isTrue();
        });
        // Revisions: strictly increasing across writes; the two events of the ending write share one.
        assertThat(h.get(2).getRevision()).isEqualTo(h.get(3).getRevision());
        assertThat(h.get(1).getRevision()).isLessThan(h.get(2).getRevision());
        assertThat(h.get(4).getRevision()).isGreaterThan(h.get(3).getRevision());
        // The events are on the workflow's own subject, with encoded tokens.
        assertThat(Workflows.historySubject(id)).isEqualTo("orgctl.history.story.acme.=2Egithub");
        assertThat(NATS.connection().jetStreamManagement()
                .getLastMessage(Topology.HISTORY_STREAM, Workflows.historySubject(id)).getHeaders().getFirst("Orgctl-Type")).isEqualTo("orgctl.v1.WorkflowStateEvent");
    }

    @Test
    void aRunningWorkflowWhoseWorkerDiedIsTakenOverByTheNextWorker() throws Exception {
        String id = "takeover/acme/api";
        Workflows controller = workflows("controller");
        Workflows workerA = workflows("worker-a");
        Workflows workerB = workflows("worker-b");
        controller.trigger(id, trigger("d1", "rev1"));
        try (LockService stalled = TestBuckets.locks(NATS.connection(), "LOCKS_WF", "a",
                LockService.Settings.forTtl(Duration.ofSeconds(2)).withoutRenewal());
             LockService live = TestBuckets.locks(NATS.connection(), "LOCKS_WF", "b")) {
            Lease leaseA = stalled.tryAcquire(id, "regen").orElseThrow();
            Run runA = workerA.start(id, "run-a", leaseA).orElseThrow();
            assertThat(runA.attempt()).isEqualTo(1);
            controller.trigger(id, trigger("d2", "rev2")); // arrives while A "runs"

            // While A's lease lasts, B cannot get the lock, so it cannot take over.
            assertThat(live.tryAcquire(id, "regen")).isEmpty();
            // A worker holding the lock of another name cannot take over either.
            Lease other = live.tryAcquire("some/other/lock", "x").orElseThrow();
            assertThat(workerB.start(id, "run-x", other)).isEmpty();
            other.release();

            // A dies (stops renewing); its lease runs out; B gets the lock and takes the run over.
            Lease leaseB = live.acquire(id, "regen", Duration.ofSeconds(5)).orElseThrow();
            Run runB = workerB.start(id, "run-b", leaseB).orElseThrow();
            assertThat(runB.takeover()).isTrue();
            assertThat(runB.attempt()).isEqualTo(2);
            assertThat(runB.trigger().getTemplateRevision()).as("the takeover uses the newest trigger").isEqualTo("rev2");
            assertThat(workerB.start(id, "run-b", leaseB)).as("a retried start is idempotent").contains(runB);

            // A comes back and tries to finish: refused.
            assertThatThrownBy(() -> workerA.complete(runA, RunResult.of("late"))).isInstanceOf(StaleRunException.class)
                    .hasMessageContaining("run-a");
            assertThat(workerB.complete(runB, RunResult.of("done")).isRerun()).isFalse();
            assertThat(workerB.complete(runB, RunResult.of("done")).isRerun()).as("a retried end is idempotent").isFalse();
            assertThatThrownBy(() -> workerB.fail(runB, "changed my mind")).isInstanceOf(IllegalTransitionException.class)
                    .hasMessageContaining("COMPLETED -> FAILED");
            leaseB.release();
        }
        List<WorkflowStateEvent> h = controller.history(id);
        assertThat(h).extracting(WorkflowStateEvent::getCurrentState, WorkflowStateEvent::getTargetState,
                WorkflowStateEvent::getAttempt)
                .containsExactly(tuple(IDLE, PENDING, 0), tuple(PENDING, RUNNING, 1), tuple(RUNNING, RUNNING, 2),
                        tuple(RUNNING, COMPLETED, 2));
        assertThat(h.get(2).getReason()).contains("taken over").contains("run-a");
    }

    @Test
    void aCrashBetweenTheKvWriteAndTheHistoryPublishIsRepairedWithoutDoubles() throws Exception {
        String id = "crash/acme/repo";
        Workflows wf = workflows("w1");
        wf.transition(id, PENDING, Change.because("first"));
        // A writer computes and writes the next record, then dies before publishing its event.
        KeyValue kv = NATS.connection().keyValue(Topology.WORKFLOWS_BUCKET);
        String key = KeyCodec.encode(id);
        var entry = kv.get(key);
        WorkflowRecord next = WorkflowMachine.transition(id, WorkflowRecord.parseFrom(entry.getValue()), RUNNING,
                Change.because("written, never published").withRunId("run-crash"), Instant.now());
        long rev = kv.update(key, next.toByteArray(), entry.getRevision());
        assertThat(wf.history(id)).hasSize(1);

        // A fresh process (no memory of what it published) makes the next transition.
        Workflows fresh = workflows("w2");
        fresh.transition(id, COMPLETED, Change.because("second"));
        List<WorkflowStateEvent> h = fresh.history(id);
        assertThat(h).extracting(WorkflowStateEvent::getTargetState, WorkflowStateEvent::getReason)
                .containsExactly(tuple(PENDING, "first"), tuple(RUNNING, "written, never published"),
                        tuple(COMPLETED, "second"));
        assertThat(h.get(1).getRevision()).isEqualTo(rev);

        // Repairs are idempotent, and republishing a write's events does not double them.
        assertThat(workflows("w3").repairHistory(id)).isZero();
        assertThat(countOnSubject(id)).isEqualTo(3);
    }

    @Test
    void repairHistoryPublishesAMissingLastEventOnce() throws Exception {
        String id = "crash2/acme/repo";
        Workflows wf = workflows("w1");
        wf.transition(id, PENDING, Change.because("first"));
        KeyValue kv = NATS.connection().keyValue(Topology.WORKFLOWS_BUCKET);
        String key = KeyCodec.encode(id);
        var entry = kv.get(key);
        WorkflowRecord next = WorkflowMachine.transition(id, WorkflowRecord.parseFrom(entry.getValue()), RUNNING,
                Change.because("lost publish"), Instant.now());
        kv.update(key, next.toByteArray(), entry.getRevision());
        // Two readers repair at once: the message id keeps it to one event.
        assertThat(workflows("r1").repairHistory(id)).isEqualTo(1);
        workflows("r2").repairHistory(id);
        assertThat(countOnSubject(id)).isEqualTo(2);
        assertThat(wf.history(id)).extracting(WorkflowStateEvent::getTargetState).containsExactly(PENDING, RUNNING);
    }

    @Test
    void historyReadingDropsDuplicatesAndOrdersByRevision() {
        WorkflowStateEvent a = WorkflowStateEvent.newBuilder().setRevision(5).setCurrentState(RUNNING).setTargetState(COMPLETED).build();
        WorkflowStateEvent b = WorkflowStateEvent.newBuilder().setRevision(5).setCurrentState(COMPLETED).setTargetState(PENDING).build();
        WorkflowStateEvent c = WorkflowStateEvent.newBuilder().setRevision(7).setCurrentState(PENDING).setTargetState(RUNNING).build();
        // A late duplicate of revision 5 published after revision 7 (beyond the duplicate window).
        List<WorkflowStateEvent> read = new ArrayList<>(List.of(a, b, c, a, b));
        assertThat(Workflows.dedupe(read)).containsExactly(a, b, c);
        List<WorkflowStateEvent> shuffled = new ArrayList<>(List.of(c, a, b));
        assertThat(Workflows.dedupe(shuffled)).containsExactly(a, b, c);
    }

    private static long countOnSubject(String id) throws Exception {
        String subject = Workflows.historySubject(id);
        return NATS.connection().jetStreamManagement().getStreamInfo(Topology.HISTORY_STREAM,
                        io.nats.client.api.StreamInfoOptions.filterSubjects(subject))
                .getStreamState().getSubjects().stream().filter(s -> s.getName().equals(subject))
                .findFirst().orElseThrow().getCount();
    }
}
