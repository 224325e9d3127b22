package dev.orgctl.coordination;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.proto.LockRef;
import dev.orgctl.proto.Trigger;
import dev.orgctl.proto.WorkflowRecord;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.proto.WorkflowStateEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Example;

/**
 * Coalescing, on the pure state machine: for any interleaving of triggers, run starts and run
 * ends (successful or failed), the triggers of a burst (those that arrive with no run ending in
 * between) are served by at most 2 runs, every run uses the newest trigger at its start, no run
 * starts without a new trigger, no trigger is lost, and the final run saw the newest trigger.
 */
class CoalescingPropertyTest {
    private static final String ID = "regen/acme/repo";

    enum Op { TRIGGER, START, COMPLETE, FAIL }

    @Provide
    Arbitrary<List<Op>> schedules() {
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(5, Arbitraries.just(Op.TRIGGER)),
                        net.jqwik.api.Tuple.of(2, Arbitraries.just(Op.START)),
                        net.jqwik.api.Tuple.of(2, Arbitraries.just(Op.COMPLETE)),
                        net.jqwik.api.Tuple.of(1, Arbitraries.just(Op.FAIL)))
                .list().ofMinSize(0).ofMaxSize(80);
    }

    /** What the model saw: one entry per run. */
    private record RunSeen(int firstCovered, int trigger) {
    }

    @Property(tries = 2000)
    void burstsGiveAtMostTwoRunsAndTheFinalRunSeesTheNewestTrigger(@ForAll("schedules") List<Op> schedule) {
        Model m = new Model();
        for (Op op : schedule) {
            m.apply(op);
        }
        m.drain();
        m.check();
    }

    @Example
    void aBurstDuringOneRunGivesExactlyOneFollowUp() {
        Model m = new Model();
        m.apply(Op.TRIGGER);
        m.apply(Op.START);
        for (int i = 0; i < 50; i++) {
            m.apply(Op.TRIGGER);
        }
        m.apply(Op.COMPLETE);
        m.drain();
        m.check();
        assertThat(m.runs).hasSize(2);
        assertThat(m.runs.get(1).trigger()).isEqualTo(51);
    }

    @Example
    void theCheckCatchesALostTrigger() {
        // A broken machine that forgets triggers arriving during a run must fail the check.
        Model m = new Model();
        m.apply(Op.TRIGGER);
        m.apply(Op.START);
        m.triggersReceived++; // a trigger the machine never saw
        m.windowTriggers.get(m.windowTriggers.size() - 1).add(m.triggersReceived);
        try {
            m.apply(Op.COMPLETE);
            m.drain();
            m.check();
        } catch (AssertionError expected) {
            return;
        }
        throw new AssertionError("the check did not notice a lost trigger");
    }

    private static final class Model {
        WorkflowRecord cur;
        Run active;
        int triggersReceived;
        int newestAtLastStart;
        long tokens = 1;
        int runCounter;
        final List<RunSeen> runs = new ArrayList<>();
        final List<WorkflowStateEvent> events = new ArrayList<>();
        /** Trigger numbers per window between two run ends. */
        final List<List<Integer>> windowTriggers = new ArrayList<>(List.of(new ArrayList<>()));
        final Instant now = Instant.parse("2026-11-01T00:00:00Z");

        void apply(Op op) {
            switch (op) {
                case TRIGGER -> trigger();
                case START -> start();
                case COMPLETE -> end(WorkflowState.COMPLETED);
                case FAIL -> end(WorkflowState.FAILED);
                default -> throw new IllegalStateException();
            }
        }

        void trigger() {
            triggersReceived++;
            WorkflowState before = WorkflowMachine.stateOf(cur);
            Trigger t = Trigger.newBuilder().setCausationId("t" + triggersReceived)
                    .setTemplateRevision(Integer.toString(triggersReceived)).build();
            WorkflowMachine.Step<TriggerOutcome> s = WorkflowMachine.trigger(ID, cur, t, "controller", now);
            write(s.write());
            boolean fresh = before == WorkflowState.IDLE || before == WorkflowState.COMPLETED || before == WorkflowState.FAILED;
            assertThat(s.result()).isEqualTo(fresh ? TriggerOutcome.STARTED_PENDING : TriggerOutcome.COALESCED);
            windowTriggers.get(windowTriggers.size() - 1).add(triggersReceived);
        }

        void start() {
            if (active != null) {
                // A live worker holds the lock: another worker cannot even get here; a start by a
                // holding that is not newer must change nothing.
                WorkflowMachine.Step<Optional<Run>> s = WorkflowMachine.start(ID, cur, "intruder", "w",
                        LockRef.newBuilder().setBucket("B").setName(ID).setToken(active.lock().getToken() - 1).build(), now);
                assertThat(s.write()).isNull();
                assertThat(s.result()).isEmpty();
                return;
            }
            WorkflowState before = WorkflowMachine.stateOf(cur);
            String runId = "run-" + (++runCounter);
            LockRef lock = LockRef.newBuilder().setBucket("B").setName(ID).setToken(tokens++).build();
            WorkflowMachine.Step<Optional<Run>> s = WorkflowMachine.start(ID, cur, runId, "worker", lock, now);
            if (before != WorkflowState.PENDING) {
                assertThat(s.result()).as("nothing to start in " + before).isEmpty();
                assertThat(s.write()).isNull();
                return;
            }
            Run run = s.result().orElseThrow();
            write(s.write());
            active = run;
            int used = Integer.parseInt(run.trigger().getTemplateRevision());
            assertThat(used).as("a run uses the newest trigger at its start").isEqualTo(triggersReceived);
            assertThat(used).as("no run without a new trigger").isGreaterThan(newestAtLastStart);
            runs.add(new RunSeen(newestAtLastStart + 1, used));
            newestAtLastStart = used;
        }

        void end(WorkflowState how) {
            if (active == null) {
                return;
            }
            WorkflowMachine.Step<FollowUp> s = WorkflowMachine.end(ID, cur, active, how,
                    Change.because("end").withError(how == WorkflowState.FAILED ? "boom" : null), now);
            write(s.write());
            boolean newer = triggersReceived > newestAtLastStart;
            assertThat(s.result().isRerun()).as("a follow-up exactly when newer triggers came").isEqualTo(newer);
            if (newer) {
                assertThat(s.result().trigger().orElseThrow().getTemplateRevision())
                        .isEqualTo(Integer.toString(triggersReceived));
                assertThat(cur.getState()).isEqualTo(WorkflowState.PENDING);
            } else {
                assertThat(cur.getState()).isEqualTo(how);
            }
            active = null;
            windowTriggers.add(new ArrayList<>());
        }

        void drain() {
            for (int guard = 0; guard < 10 && (active != null || WorkflowMachine.stateOf(cur) == WorkflowState.PENDING); guard++) {
                if (active == null) {
                    start();
                }
                end(WorkflowState.COMPLETED);
            }
        }

        void write(WorkflowRecord next) {
            if (next != null) {
                events.addAll(next.getLastEventsList());
                cur = next;
            }
        }

        void check() {
            // The final run saw the newest trigger, and the workflow is at rest.
            if (triggersReceived > 0) {
                assertThat(runs).isNotEmpty();
                assertThat(runs.get(runs.size() - 1).trigger()).isEqualTo(triggersReceived);
                assertThat(cur.getState()).isIn(WorkflowState.COMPLETED, WorkflowState.FAILED);
                assertThat(cur.getDirty()).isFalse();
            } else {
                assertThat(runs).isEmpty();
            }
            // Every trigger is covered by exactly one run (none lost, none served twice).
            int expectNext = 1;
            for (RunSeen r : runs) {
                assertThat(r.firstCovered()).isEqualTo(expectNext);
                expectNext = r.trigger() + 1;
            }
            assertThat(expectNext - 1).isEqualTo(triggersReceived);
            // Per burst (triggers with no run end in between): at most 2 runs serve them.
            for (List<Integer> window : windowTriggers) {
                if (window.isEmpty()) {
                    continue;
                }
                long serving = runs.stream()
                        .filter(r -> window.stream().anyMatch(t -> t >= r.firstCovered() && t <= r.trigger()))
                        .count();
                assertThat(serving).as("runs serving the burst " + window).isLessThanOrEqualTo(2);
            }
            // The events form one chain from IDLE: each starts where the previous one ended.
            WorkflowState at = WorkflowState.IDLE;
            for (WorkflowStateEvent e : events) {
                assertThat(e.getCurrentState()).isEqualTo(at);
                at = e.getTargetState();
            }
            assertThat(at).isEqualTo(WorkflowMachine.stateOf(cur));
        }
    }
}
