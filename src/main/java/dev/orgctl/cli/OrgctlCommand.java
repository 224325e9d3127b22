package dev.orgctl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "orgctl", mixinStandardHelpOptions = true, version = "orgctl 0.1.0",
        description = {
            "A GitHub organization that manages itself, with NATS JetStream as its event backbone.",
            "",
            "Templates in one repository are rendered into every repository of the org; webhooks flow "
                + "through JetStream (verified, never lost, never doubled) to a controller that regenerates, "
                + "repairs drift and never loops on its own commits."},
        footer = {"", "Every setting is a flag, an environment variable and a key in orgctl.yaml; run "
            + "'orgctl COMMAND --help' to see them. Docs: docs/ in the orgctl repository."},
        synopsisSubcommandLabel = "COMMAND")
public final class OrgctlCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** Read by {@link Main#run} before the command line is parsed: the log level is set before any logger runs. */
    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "log at INFO (connections, topology, locks); commands other than up, gateway, nats serve "
                    + "and demo log only warnings and errors by default")
    boolean verbose;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required");
    }
}
