package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.JetStreamErrors;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.tfstate.auth.TokenRecord;
import dev.orgctl.tfstate.auth.TokenStore;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code orgctl tfstate token}: orgctl tokens for the Terraform state backend, for people and CI
 * other than GitHub Actions (which uses OIDC and needs no stored secret).
 */
@Command(name = "token", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        subcommands = {TfstateTokenCommand.Create.class, TfstateTokenCommand.ListTokens.class,
            TfstateTokenCommand.Revoke.class},
        description = {"orgctl tokens for the Terraform state backend: create, list, revoke.",
            "Terraform sends a token as the basic-auth password (any user name). A token",
            "is scoped to state name patterns, read only or read and write. Stored hashed."})
public final class TfstateTokenCommand implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(TfstateTokenCommand.class);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: create, list or revoke");
    }

    private static <T> T withStore(ConfigMixin settings, Function<TokenStore, T> work) {
        OrgctlConfig config = settings.resolve();
        try (NatsRuntime nats = NatsRuntime.open(config, "tfstate token", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED)) {
            return work.apply(new TokenStore(bucket(nats), Clock.systemUTC(), new SecureRandom()));
        }
    }

    private static KeyValue bucket(NatsRuntime nats) {
        try {
            return nats.keyValue(Topology.TFSTATE_TOKENS_BUCKET);
        } catch (NatsUnavailableException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof JetStreamApiException j && j.getApiErrorCode() == JetStreamErrors.JS_STREAM_NOT_FOUND_ERR) {
                    throw new CommandFailure("the token bucket " + Topology.TFSTATE_TOKENS_BUCKET + " does not exist "
                            + "yet: run 'orgctl topology apply' (or start 'orgctl up' once)", 1);
                }
            }
            throw e;
        }
    }

    private static String access(TokenRecord r) {
        return r.write() ? "write" : "read";
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a token and print it once.",
                "The last line of the output is the token alone, for scripts:",
                "  TOKEN=$(orgctl tfstate token create ci --states 'prod/**' --write | tail -n 1)",
                "Patterns: * any characters but /, ** any characters, ? one character."})
    public static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Parameters(index = "0", paramLabel = "NAME", description = "the token's name: 1 to 64 letters, digits, _ and -")
        String name;

        @Option(names = "--states", required = true, split = ",", paramLabel = "PATTERN",
                description = "state names the token may use (repeat or separate with commas)")
        List<String> states;

        @Option(names = "--write", description = "also write, lock and unlock those states (default: read only)")
        boolean write;

        @Override
        public Integer call() {
            TokenStore.nameProblem(name).ifPresent(p -> {
                throw new ParameterException(spec.commandLine(), "NAME " + p);
            });
            for (String s : states) {
                TokenStore.patternProblem(s).ifPresent(p -> {
                    throw new ParameterException(spec.commandLine(), "--states " + p);
                });
            }
            String by = System.getProperty("user.name", "?") + "@" + hostName();
            TokenStore.Created created = withStore(settings, store -> store.create(name, states, write, by));
            if (created instanceof TokenStore.NameTaken) {
                throw new CommandFailure("a token named " + name + " exists already; revoke it first "
                        + "('orgctl tfstate token revoke " + name + "') or choose another name", 1);
            }
            TokenStore.Issued issued = (TokenStore.Issued) created;
            log.atInfo().addKeyValue("token", name).addKeyValue("states", String.join(",", states))
                    .addKeyValue("write", write).addKeyValue("by", by).log("terraform state token created");
            PrintWriter out = spec.commandLine().getOut();
            out.println("created token " + name + " (" + access(issued.record()) + ": " + String.join(", ", states)
                    + "); it is shown only now, store it as a secret:");
            out.println(issued.token());
            out.flush();
            return 0;
        }

        private static String hostName() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                return "?";
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the tokens: name, access, state patterns, when and by whom created.",
                "No secret is shown: orgctl keeps only a hash of each token."})
    public static final class ListTokens implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Override
        public Integer call() {
            List<TokenRecord> tokens = withStore(settings, TokenStore::list);
            PrintWriter out = spec.commandLine().getOut();
            if (tokens.isEmpty()) {
                out.println("no tokens");
            } else {
                int w = Math.max(4, tokens.stream().mapToInt(t -> t.name().length()).max().orElse(4));
                String row = "%-" + w + "s  %-6s  %-8s  %-20s  %s%n";
                out.printf(row, "NAME", "ACCESS", "AGE", "CREATED BY", "STATES");
                Instant now = Instant.now();
                for (TokenRecord t : tokens) {
                    out.printf(row, t.name(), access(t), Ages.format(java.time.Duration.between(t.created(), now)),
                            t.createdBy(), String.join(", ", t.states()));
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Revoke a token: it stops working at once, for every request that follows."})
    public static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Parameters(index = "0", paramLabel = "NAME", description = "the token's name")
        String name;

        @Override
        public Integer call() {
            if (!withStore(settings, store -> store.revoke(name))) {
                throw new CommandFailure("there is no token named " + name + " ('orgctl tfstate token list' "
                        + "shows them)", 1);
            }
            log.atInfo().addKeyValue("token", name).addKeyValue("by", System.getProperty("user.name", "?"))
                    .log("terraform state token revoked");
            PrintWriter out = spec.commandLine().getOut();
            out.println("revoked token " + name);
            out.flush();
            return 0;
        }
    }
}
