package dev.orgctl.controller.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.coordination.Workflows;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.CiCheck;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutGate;
import dev.orgctl.proto.RolloutPin;
import dev.orgctl.proto.RolloutState;
import dev.orgctl.proto.RolloutWave;
import dev.orgctl.proto.WorkflowState;
import dev.orgctl.proto.WorkflowStateEvent;
import dev.orgctl.testing.SharedNats;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The rollout store on a real nats-server with the real topology: keys, compare-and-set, the workflow mirror. */
class KvRolloutsTest {
    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    private static Workflows workflows;
    private static final AtomicLong SECONDS = new AtomicLong(1_700_000_000L);

    @BeforeAll
    static void start() {
        NatsConnector connector = new NatsConnector(NATS.settings());
        workflows = Workflows.open(NATS.connection(), connector.jetStreamOptions(), connector.keyValueOptions(),
                "test");
    }

    /** A clock that moves one second per reading: rollouts begun one after the other are ordered. */
    private static Clock ticking() {
        return new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochSecond(SECONDS.incrementAndGet());
            }
        };
    }

    private static KvRollouts store() throws Exception {
        return new KvRollouts(NATS.connection().keyValue(Topology.ROLLOUTS_BUCKET), ticking(),
                new RolloutWorkflow(workflows));
    }

    private static RolloutMachine.Begin begin(String org, String rev, String previous, String... repos) {
        return new RolloutMachine.Begin(org, rev, rev, previous,
                List.of(RolloutWave.newBuilder().setLabel("all").addAllRepos(List.of(repos)).build()),
                RolloutGate.getDefaultInstance(), "", "delivery-" + rev, "test");
    }

    @Test
    void beginIsIdempotentAndANewerRevisionSupersedes() throws Exception {
        KvRollouts store = store();
        RolloutStarter starter = new RolloutStarter(store, new RolloutWorkflow(workflows), ticking());
        String a = "a".repeat(40);
        String b = "b".repeat(40);
        Rollout first = starter.begin(begin("org1", a, "0".repeat(40), "x"));
        assertThat(starter.begin(begin("org1", a, "0".repeat(40), "x"))).isEqualTo(first);
        assertThat(store.current("org1")).contains(first);
        assertThat(store.list("org1")).hasSize(1);
        assertThat(workflows.get(RolloutWorkflow.workflowId("org1", a)).orElseThrow().state())
                .isEqualTo(WorkflowState.PENDING);

        starter.begin(begin("org1", b, a, "x"));
        assertThat(store.currentId("org1")).contains(b);
        Rollout superseded = store.get("org1", a).orElseThrow();
        assertThat(superseded.getState()).isEqualTo(RolloutState.ROLLOUT_SUPERSEDED);
        assertThat(superseded.getSupersededBy()).isEqualTo(b);
        assertThat(store.list("org1")).extracting(Rollout::getId).containsExactly(b, a);
        List<WorkflowStateEvent> h = workflows.history(RolloutWorkflow.workflowId("org1", a));
        assertThat(h.get(h.size() - 1).getTargetState()).isEqualTo(WorkflowState.COMPLETED);
        assertThat(h.get(h.size() - 1).getReason()).isEqualTo("superseded by " + b);

        // The older delivery handled again later does not take "current" back.
        starter.begin(begin("org1", a, "0".repeat(40), "x"));
        assertThat(store.currentId("org1")).contains(b);
        assertThat(store.orgs()).contains("org1");
    }

    @Test
    void templatesWithoutARolloutBlockSupersedeTheRolloutGoing() throws Exception {
        KvRollouts store = store();
        RolloutEvents events = new RolloutEvents(store, RolloutWorkflow.NONE, ticking());
        assertThat(events.reachEveryone("org7", "f".repeat(40), "test")).as("no rollout: nothing").isEmpty();
        new RolloutStarter(store, RolloutWorkflow.NONE, ticking()).begin(begin("org7", "e".repeat(40), "d".repeat(40), "x"));
        Rollout r = events.reachEveryone("org7", "f".repeat(40), "test").orElseThrow();
        assertThat(r.getState()).isEqualTo(RolloutState.ROLLOUT_SUPERSEDED);
        assertThat(r.getSupersededBy()).isEqualTo("f".repeat(40));
        assertThat(events.reachEveryone("org7", "1".repeat(40), "test")).as("already ended").isEmpty();
    }

    /**
     * Templates without a rollout block reach everyone: their revision becomes stable and the pins
     * go, so a rollout begun when the block comes back leaves the repositories it has not reached
     * at that revision, not at an older rollout's.
     */
    @Test
    void aChangeWithoutARolloutBlockBecomesStableAndClearsThePins() throws Exception {
        KvRollouts store = store();
        RolloutEvents events = new RolloutEvents(store, RolloutWorkflow.NONE, ticking());
        assertThat(store.reachedEveryone("org8", "0".repeat(40))).as("an org without rollouts: nothing").isZero();
        assertThat(store.stable("org8")).isEmpty();

        Rollout old = new RolloutStarter(store, RolloutWorkflow.NONE, ticking())
                .begin(begin("org8", "a".repeat(40), "0".repeat(40), "x", "y"));
        store.pinTo(old, "x", 0);
        store.pinTo(old, "y", 0);
        events.reachEveryone("org8", "b".repeat(40), "test");
        assertThat(store.pins("org8")).isEmpty();
        assertThat(store.stable("org8")).contains("b".repeat(40));

        // The block is back: the rollout of c starts from b for every repository its waves have not reached.
        assertThat(store.stableIfAbsent("org8", "c".repeat(40))).as("what a rollout begun now starts from")
                .isEqualTo("b".repeat(40));
    }

    @Test
    void pinsMoveOnlyForwardAndRecordOnlyTheirRevision() throws Exception {
        KvRollouts store = store();
        RolloutStarter starter = new RolloutStarter(store, RolloutWorkflow.NONE, ticking());
        Rollout older = starter.begin(begin("org2", "c".repeat(40), "0".repeat(40), "r"));
        Rollout newer = starter.begin(begin("org2", "d".repeat(40), "c".repeat(40), "r"));
        assertThat(store.pinTo(newer, "r", 0)).isTrue();
        assertThat(store.pinTo(older, "r", 0)).as("a late wave start of the older rollout").isFalse();
        assertThat(store.pin("org2", "r").orElseThrow().getRevision()).isEqualTo(newer.getRevision());

        assertThat(store.recordRun("org2", "r", older.getRevision(), p -> p.setOutcome("committed"))).isFalse();
        assertThat(store.recordRun("org2", "r", newer.getRevision(), p -> p.setOutcome("committed").setCommit("s1")))
                .isTrue();
        RolloutPin pin = store.pin("org2", "r").orElseThrow();
        assertThat(pin.getAppliedRevision()).isEqualTo(newer.getRevision());
        assertThat(pin.getCommit()).isEqualTo("s1");
        assertThat(store.pinTo(newer, "r", 0)).as("a repeated wave start keeps what the run recorded").isFalse();
        assertThat(store.pin("org2", "r").orElseThrow().getCommit()).isEqualTo("s1");
        assertThat(store.recordRun("org2", "r", newer.getRevision(), p -> p.setOutcome("no_change")))
                .as("a second run of the revision with nothing to write").isFalse();
        assertThat(store.pin("org2", "r").orElseThrow().getCommit()).as("the gate still waits for s1's CI")
                .isEqualTo("s1");
        assertThat(store.pins("org2")).hasSize(1);
    }

    @Test
    void ciChecksMergeByKeyAndALaterReportReplacesTheEarlier() throws Exception {
        KvRollouts store = store();
        CiCheck failed = CiCheck.newBuilder().setName("ci").setStatus("completed").setConclusion("failure").build();
        CiCheck passed = failed.toBuilder().setConclusion("success").build();
        assertThat(store.mergeCi("org3", ".github", "s1", Optional.of(failed), "check_suite:1", false)).isTrue();
        assertThat(store.mergeCi("org3", ".github", "s1", Optional.of(failed), "check_suite:1", false))
                .as("the same delivery twice").isFalse();
        store.mergeCi("org3", ".github", "s1", Optional.of(passed), "status:lint", false);
        store.mergeCi("org3", ".github", "s1", Optional.of(passed), "check_suite:1", false);
        store.mergeCi("org3", ".github", "s1", Optional.empty(), "", true);
        var ci = store.ci("org3", ".github", "s1").orElseThrow();
        assertThat(ci.getChecksMap()).containsOnlyKeys("check_suite:1", "status:lint");
        assertThat(ci.getChecksMap().get("check_suite:1").getConclusion()).isEqualTo("success");
        assertThat(ci.getMerged()).isTrue();
        assertThat(store.ci("org3", ".github", "s2")).isEmpty();
    }

    @Test
    void stableIsSetOnceThenOnlyByTheCurrentRollout() throws Exception {
        KvRollouts store = store();
        RolloutStarter starter = new RolloutStarter(store, RolloutWorkflow.NONE, ticking());
        assertThat(store.stableIfAbsent("org4", "e".repeat(40))).isEqualTo("e".repeat(40));
        assertThat(store.stableIfAbsent("org4", "f".repeat(40))).isEqualTo("e".repeat(40));
        Rollout r = starter.begin(begin("org4", "f".repeat(40), "e".repeat(40), "x"));
        assertThat(store.markStable("org4", "someone-else", "1".repeat(40))).isFalse();
        assertThat(store.markStable("org4", r.getId(), r.getRevision())).isTrue();
        assertThat(store.stable("org4")).contains("f".repeat(40));
    }

    @Test
    void revertRollsTheReachedRepositoriesBackAsARolloutOfItsOwn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        try (dev.orgctl.hosts.git.GitTestRepos repos = new dev.orgctl.hosts.git.GitTestRepos(tmp)) {
            var templates = repos.create("org6", ".github");
            String good = repos.commit(templates, dev.orgctl.regen.SampleTemplates.files(), "good");
            String bad = repos.commit(templates, dev.orgctl.hosts.git.GitTestRepos.files(
                    "templates/github/.github/CODEOWNERS", "* @bad\n"), "bad");
            for (String name : List.of("a", "b", "c")) {
                repos.commit(repos.create("org6", name), dev.orgctl.hosts.git.GitTestRepos.files("x", "x\n"), "init");
            }
            KvRollouts store = store();
            RolloutStarter starter = new RolloutStarter(store, new RolloutWorkflow(workflows), ticking());
            Rollout r = starter.begin(begin("org6", bad, good, "a", "b", "c"));
            store.pinTo(r, "a", 0);
            store.pinTo(r, "b", 0);

            Rollout revert = store.revert("org6", bad, "cli:ann", repos.host());
            assertThat(revert.getId()).isEqualTo("revert-" + bad);
            assertThat(revert.getRevision()).isEqualTo(good);
            assertThat(revert.getPreviousRevision()).isEqualTo(bad);
            assertThat(revert.getRevertOf()).isEqualTo(bad);
            assertThat(revert.getState()).isEqualTo(RolloutState.ROLLOUT_ROLLING);
            assertThat(revert.getWavesCount()).isEqualTo(1);
            assertThat(revert.getWaves(0).getReposList()).containsExactly("a", "b");
            assertThat(store.currentId("org6")).contains(revert.getId());
            Rollout reverted = store.get("org6", bad).orElseThrow();
            assertThat(reverted.getState()).isEqualTo(RolloutState.ROLLOUT_ABORTED);
            assertThat(reverted.getReason()).isEqualTo("aborted by cli:ann: reverted");
            assertThat(store.revert("org6", bad, "cli:ann", repos.host())).as("a second revert finds the first")
                    .isEqualTo(store.get("org6", revert.getId()).orElseThrow());
        }
    }

    @Test
    void operatorCommandsSayWhatIsWrong() throws Exception {
        KvRollouts store = store();
        RolloutStarter starter = new RolloutStarter(store, new RolloutWorkflow(workflows), ticking());
        Rollout r = starter.begin(begin("org5", "9".repeat(40), "8".repeat(40), "x"));
        assertThatThrownBy(() -> store.resume("org5", r.getId(), "cli:ann")).isInstanceOf(RolloutException.class)
                .hasMessageContaining("is ROLLING: only a paused rollout can be resumed");
        assertThatThrownBy(() -> store.abort("org5", "nope", "cli:ann", "")).isInstanceOf(RolloutException.class)
                .hasMessage("no rollout nope in org5");
        assertThatThrownBy(() -> store.revert("org5", r.getId(), "cli:ann", null)).isInstanceOf(RolloutException.class)
                .hasMessageContaining("reached no repository");
        Rollout aborted = store.abort("org5", r.getId(), "cli:ann", "wrong change");
        assertThat(aborted.getState()).isEqualTo(RolloutState.ROLLOUT_ABORTED);
        assertThat(store.get("org5", r.getId())).contains(aborted);
        var wf = workflows.get(RolloutWorkflow.workflowId("org5", r.getId())).orElseThrow();
        assertThat(wf.state()).isEqualTo(WorkflowState.FAILED);
        assertThat(wf.record().getLastError()).isEqualTo("aborted by cli:ann: wrong change");
        assertThatThrownBy(() -> store.abort("org5", r.getId(), "cli:ann", "")).isInstanceOf(RolloutException.class)
                .hasMessageContaining("is ABORTED");
    }
}
