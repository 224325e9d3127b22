package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.tfstate.StateLock;
import dev.orgctl.tfstate.StateLocks;
import dev.orgctl.tfstate.StateName;
import dev.orgctl.tfstate.StateStore;
import dev.orgctl.tfstate.TfstateSettings;
import dev.orgctl.tfstate.StateRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code orgctl tfstate}: the Terraform states orgctl keeps (docs/terraform-state.md). The
 * subcommands are {@link #subcommands()}, the {@code token} ones (orgctl tokens for the backend) among them.
 */
@Command(name = "tfstate", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = {"Terraform states kept in JetStream (orgctl as Terraform's http backend).",
            "list, show, history, get, rollback, unlock, tokens, and the backend configuration",
            "for Terraform and GitHub Actions."})
public final class TfstateCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "a subcommand is required: list, show, history, get, rollback, unlock or config");
    }

    /** {@code orgctl tfstate} with its subcommands, the token ones among them. */
    static CommandLine subcommands() {
        return new CommandLine(new TfstateCommand())
                .addSubcommand(new TfstateViewCommands.ListStates())
                .addSubcommand(new TfstateViewCommands.Show())
                .addSubcommand(new TfstateViewCommands.History())
                .addSubcommand(new TfstateGetCommand())
                .addSubcommand(new TfstateRollbackCommand())
                .addSubcommand(new TfstateUnlockCommand())
                .addSubcommand(new TfstateConfigCommand())
                .addSubcommand(new TfstateTokenCommand());
    }

    /**
     * A subcommand about one state: {@code NAME} checked against the name rule, the configuration
     * resolved, NATS opened and the backend on it, then {@link #run}.
     */
    abstract static class OnState implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Parameters(index = "0", paramLabel = "NAME", description = "the state, e.g. prod/network")
        String name;

        @Override
        public final Integer call() throws IOException {
            StateName state = name(spec, name);
            OrgctlConfig config = settings.resolve();
            try (NatsRuntime nats = nats(config)) {
                int exit = run(Backend.open(nats, config), state, config, spec.commandLine().getOut());
                spec.commandLine().getOut().flush();
                return exit;
            }
        }

        abstract int run(Backend backend, StateName state, OrgctlConfig config, PrintWriter out) throws IOException;
    }

    /** The state's record, or exit 1 naming it. */
    static StateRecord record(Backend backend, StateName state) {
        return backend.store().record(state).orElseThrow(() -> new CommandFailure("no state " + state, 1));
    }

    /** The store and locks on an open NATS runtime, with the configured settings and keys. */
    record Backend(StateStore store, StateLocks locks) {
        static Backend open(NatsRuntime nats, OrgctlConfig config) {
            TfstateSettings s = TfstateSettings.from(config.tfstate());
            Clock clock = Clock.systemUTC();
            return new Backend(new StateStore(nats.connection(), s.keys(), s.versions(), clock),
                    new StateLocks(nats.connection(), s.maxHold(), clock, StateLocks.Listener.NONE));
        }
    }

    static NatsRuntime nats(OrgctlConfig config) {
        return NatsRuntime.open(config, "tfstate", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED);
    }

    /** A state name from the command line; a bad one is a usage error naming the rule. */
    static StateName name(CommandSpec spec, String value) {
        try {
            return new StateName(value);
        } catch (StateName.InvalidStateNameException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** Who holds a lock, with the link to the GitHub run when it is one. */
    static String holder(StateLock l, URI githubApi) {
        String who = l.subject() + " (" + l.kind() + ", lock " + l.id() + ", token " + l.token() + ", since "
                + l.lockedAt() + ")";
        return l.runLink(webUrl(githubApi)).map(link -> who + " " + link).orElse(who);
    }

    /** GitHub's web address for an API address: api.github.com → github.com; GHES's /api/v3 → its host. */
    static String webUrl(URI api) {
        String s = api.toString().replaceAll("/+$", "");
        if (s.equals("https://api.github.com")) {
            return "https://github.com";
        }
        return s.endsWith("/api/v3") ? s.substring(0, s.length() - "/api/v3".length()) : s;
    }
}
