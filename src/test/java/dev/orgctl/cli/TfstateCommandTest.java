package dev.orgctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.tfstate.StateLocks;
import dev.orgctl.tfstate.StateName;
import dev.orgctl.tfstate.StateStore;
import dev.orgctl.tfstate.TfstateSettings;
import dev.orgctl.testing.SharedNats;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** {@code orgctl tfstate} on a real nats-server. */
class TfstateCommandTest {
    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    record Run(int exit, String out, String err) {
    }

    private static Run orgctl(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--nats-url", NATS.url()));
        int exit = cli.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    private static StateStore store() {
        return new StateStore(NATS.connection(), Optional.empty(), 50, Clock.systemUTC());
    }

    private static StateLocks locks() {
        return new StateLocks(NATS.connection(), TfstateSettings.DEFAULT_MAX_HOLD, Clock.systemUTC(),
                StateLocks.Listener.NONE);
    }

    private static byte[] state(int serial, String value) {
        return ("{\"version\":4,\"serial\":" + serial + ",\"lineage\":\"lin-42\",\"outputs\":{\"v\":\"" + value + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void listShowHistoryAndGetTellWhatIsStored() {
        StateName name = new StateName("cli/view");
        store().put(name, state(1, "first"), StateStore.Fence.NONE, "alice", "");
        store().put(name, state(2, "second"), StateStore.Fence.NONE, "bob", "");

        assertThat(orgctl("tfstate", "list").out()).contains("cli/view").contains("2");
        Run show = orgctl("tfstate", "show", "cli/view");
        assertThat(show.exit()).isZero();
        assertThat(show.out()).contains("version 2 of 2", "serial:   2", "lin-42", "not locked");
        Run history = orgctl("tfstate", "history", "cli/view");
        assertThat(history.out()).contains("alice").contains("bob").containsPattern("\\* 2 ");
        assertThat(orgctl("tfstate", "get", "cli/view").out()).isEqualTo(new String(state(2, "second"),
                StandardCharsets.UTF_8));
        assertThat(orgctl("tfstate", "get", "cli/view", "--version", "1").out()).contains("first");
        Run missing = orgctl("tfstate", "get", "cli/view", "--version", "9");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("has no version 9");
        Run bad = orgctl("tfstate", "show", "../etc");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains(StateName.RULE);
    }

    @Test
    void rollbackWritesANewVersionEqualToTheOldOneAndIsRefusedWhileSomeoneHoldsTheLock() {
        StateName name = new StateName("cli/rollback");
        store().put(name, state(1, "good"), StateStore.Fence.NONE, "ci", "");
        store().put(name, state(2, "broken"), StateStore.Fence.NONE, "ci", "");
        StateLocks.Taken held = locks().lock(name, "{\"ID\":\"held-by-ci\",\"Who\":\"runner\"}".getBytes(StandardCharsets.UTF_8),
                "oidc", "repo:acme/infra:ref:refs/heads/main", Optional.empty());
        assertThat(held).isInstanceOf(StateLocks.Acquired.class);

        Run refused = orgctl("tfstate", "rollback", "cli/rollback", "1");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("locked by repo:acme/infra");
        assertThat(store().record(name).orElseThrow().current()).isEqualTo(2);

        Run unlock = orgctl("tfstate", "unlock", "cli/rollback", "--yes");
        assertThat(unlock.exit()).isZero();
        assertThat(unlock.out()).contains("released the lock of cli/rollback held by repo:acme/infra");
        assertThat(locks().holder(name)).isEmpty();

        Run rollback = orgctl("tfstate", "rollback", "cli/rollback", "1");
        assertThat(rollback.exit()).as(rollback.err()).isZero();
        assertThat(rollback.out()).contains("version 3 is version 1 again");
        assertThat(store().current(name).orElseThrow().bytes()).isEqualTo(state(1, "good"));
        assertThat(store().record(name).orElseThrow().currentVersion().orElseThrow().note()).isEqualTo("rollback to 1");
        assertThat(locks().holder(name)).as("the rollback's own lock is released").isEmpty();
    }

    @Test
    void configPrintsTheBackendBlockAndAnOidcWorkflowWithoutASecret() {
        Run config = orgctl("tfstate", "config", "prod/network", "--url", "https://orgctl.acme.example/");
        assertThat(config.exit()).isZero();
        assertThat(config.out()).contains("backend \"http\"")
                .contains("address        = \"https://orgctl.acme.example/tfstate/prod/network\"")
                .contains("id-token: write").contains("ACTIONS_ID_TOKEN_REQUEST_URL&audience=orgctl")
                .contains("TF_HTTP_PASSWORD").doesNotContain("secrets.");
    }
}
