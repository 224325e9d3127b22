package dev.orgctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.SharedNats;
import dev.orgctl.tfstate.auth.TokenStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code orgctl tfstate token}, run through picocli as the CLI runs it, against a real nats-server. */
class TfstateTokenCommandTest {
    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    /** The command as the lead registers it: {@code tfstate token}, with Main's error handling. */
    private Run run(String... args) throws Exception {
        return run(Files.writeString(dir.resolve("orgctl.yaml"), "nats:\n  url: " + NATS.url() + "\n"), args);
    }

    private Run run(Path config, String... args) {
        CommandLine cli = Main.commandLine();
        cli.addSubcommand("tfstate-token", new TfstateTokenCommand());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 3];
        all[0] = "tfstate-token";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--config";
        all[args.length + 2] = config.toString();
        return new Run(cli.execute(all), out.toString(), err.toString());
    }

    @Test
    void createPrintsTheTokenOnceAsTheLastLineListShowsNoSecretRevokeEndsIt() throws Exception {
        Run created = run("create", "ci-prod", "--states", "prod/**,shared", "--write");
        assertThat(created.exit()).as(created.err()).isZero();
        String token = created.lines().get(created.lines().size() - 1);
        assertThat(token).startsWith("orgctl_tfs_ci-prod.");
        assertThat(created.lines().get(0)).contains("ci-prod").contains("write").contains("prod/**, shared");
        TokenStore store = new TokenStore(NATS.connection().keyValue(Topology.TFSTATE_TOKENS_BUCKET), Clock.systemUTC(),
                new SecureRandom());
        assertThat(store.verify(token)).get().satisfies(r -> assertThat(r.write()).isTrue());

        Run listed = run("list");
        assertThat(listed.exit()).isZero();
        assertThat(listed.out()).contains("ci-prod").contains("write").contains("prod/**, shared")
                .doesNotContain(token.substring(token.indexOf('.') + 1));

        Run again = run("create", "ci-prod", "--states", "dev/*");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("a token named ci-prod exists already");

        Run revoked = run("revoke", "ci-prod");
        assertThat(revoked.exit()).isZero();
        assertThat(revoked.out()).contains("revoked token ci-prod");
        assertThat(store.verify(token)).isEmpty();
        assertThat(run("list").out()).contains("no tokens");

        Run unknown = run("revoke", "ci-prod");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("there is no token named ci-prod");
    }

    @Test
    void withoutTheTopologyTheCommandSaysHowToCreateIt() throws Exception {
        try (NatsServerFixture bare = NatsServerFixture.start()) {
            Path config = Files.writeString(dir.resolve("bare.yaml"), "nats:\n  url: " + bare.url() + "\n");
            Run list = run(config, "list");
            assertThat(list.exit()).isEqualTo(1);
            assertThat(list.err()).contains("orgctl: the token bucket ORGCTL_TFSTATE_TOKENS does not exist yet: run "
                    + "'orgctl topology apply'");
        }
    }

    @Test
    void aBadNameOrPatternIsAUsageError() throws Exception {
        Run badName = run("create", "has.dot", "--states", "prod/*");
        assertThat(badName.exit()).isEqualTo(2);
        assertThat(badName.err()).contains("'has.dot' is not a token name");

        Run badPattern = run("create", "ok", "--states", "prod/ x");
        assertThat(badPattern.exit()).isEqualTo(2);
        assertThat(badPattern.err()).contains("is not a state name pattern");

        Run noStates = run("create", "ok");
        assertThat(noStates.exit()).isEqualTo(2);
        assertThat(noStates.err()).contains("--states");
    }
}
