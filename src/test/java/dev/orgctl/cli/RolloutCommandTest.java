package dev.orgctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.controller.rollout.KvRollouts;
import dev.orgctl.controller.rollout.RolloutMachine;
import dev.orgctl.controller.rollout.RolloutStarter;
import dev.orgctl.controller.rollout.RolloutWorkflow;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutGate;
import dev.orgctl.proto.RolloutState;
import dev.orgctl.proto.RolloutWave;
import dev.orgctl.testing.SharedNats;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code orgctl rollout ...} and {@code orgctl status} in process against a real nats-server. */
class RolloutCommandTest {
    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    private Result run(String org, String... cmd) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] common = {"--nats-url", NATS.url(), "--org", org, "--backend", "git", "--git-root",
            tmp.resolve("git").toString(), "--data-dir", tmp.resolve("data").toString()};
        String[] all = new String[cmd.length + common.length];
        System.arraycopy(cmd, 0, all, 0, cmd.length);
        System.arraycopy(common, 0, all, cmd.length, common.length);
        int code = cli.execute(all);
        return new Result(code, out.toString(), err.toString());
    }

    private static KvRollouts store() throws Exception {
        return new KvRollouts(NATS.connection().keyValue(Topology.ROLLOUTS_BUCKET), Clock.systemUTC(),
                RolloutWorkflow.NONE);
    }

    private static Rollout begin(KvRollouts store, String org, String id) throws InterruptedException {
        Thread.sleep(5); // rollouts begun one after the other are ordered by when they began
        return new RolloutStarter(store, RolloutWorkflow.NONE, Clock.systemUTC()).begin(new RolloutMachine.Begin(org,
                id, id, "0".repeat(40), List.of(RolloutWave.newBuilder().setLabel("all").addRepos("svc").build()),
                RolloutGate.getDefaultInstance(), "", "delivery", "test"));
    }

    @Test
    void withoutARolloutStatusSaysSoAndTheOthersFail() {
        Result status = run("empty", "rollout", "status");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).isEqualTo("no rollout in empty\n");
        Result resume = run("empty", "rollout", "resume");
        assertThat(resume.exit()).isEqualTo(1);
        assertThat(resume.err()).startsWith("orgctl: no rollout in empty").hasLineCount(1);
    }

    @Test
    void revIsAUniquePrefixAndTheStateMustAllowTheCommand() throws Exception {
        KvRollouts store = store();
        String a = "aa11" + "0".repeat(36);
        String b = "aa22" + "0".repeat(36);
        begin(store, "acme", a);
        begin(store, "acme", b);

        Result ambiguous = run("acme", "rollout", "abort", "aa");
        assertThat(ambiguous.exit()).isEqualTo(1);
        assertThat(ambiguous.err()).isEqualTo("orgctl: rollout aa is ambiguous in acme: it begins " + b + ", " + a + "\n");
        Result unknown = run("acme", "rollout", "abort", "zz");
        assertThat(unknown.err()).startsWith("orgctl: no rollout zz in acme");

        Result notPaused = run("acme", "rollout", "resume");
        assertThat(notPaused.exit()).isEqualTo(1);
        assertThat(notPaused.err()).contains("is ROLLING: only a paused rollout can be resumed");

        Result status = run("acme", "rollout", "status", "aa1");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).startsWith("rollout " + a.substring(0, 12) + " of acme: superseded").contains(a);

        store.update("acme", b, r -> Optional.of(r.toBuilder().setState(RolloutState.ROLLOUT_PAUSED).build()));
        Result resumed = run("acme", "rollout", "resume", "aa2");
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(resumed.out()).startsWith("rollout acme " + b.substring(0, 12) + ": completed (1 wave, 1 repository)");
        assertThat(store.get("acme", b).orElseThrow().getState()).isEqualTo(RolloutState.ROLLOUT_COMPLETED);
        assertThat(store.get("acme", b).orElseThrow().getActor()).startsWith("cli:");

        String c = "cc33" + "0".repeat(36);
        begin(store, "acme", c);
        Result aborted = run("acme", "rollout", "abort", "--reason", "wrong change");
        assertThat(aborted.exit()).as(aborted.err()).isZero();
        Rollout r = store.get("acme", c).orElseThrow();
        assertThat(r.getState()).isEqualTo(RolloutState.ROLLOUT_ABORTED);
        assertThat(r.getReason()).endsWith(": wrong change");
        Result again = run("acme", "rollout", "abort", c);
        assertThat(again.err()).contains("is ABORTED");

        Result overall = run("acme", "status");
        assertThat(overall.exit()).as(overall.err()).isZero();
        assertThat(overall.out()).startsWith("Rollouts:\n  rollout acme " + c.substring(0, 12) + ": aborted");
    }
}
