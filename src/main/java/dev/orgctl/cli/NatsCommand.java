package dev.orgctl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "nats", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = "The NATS server orgctl runs itself (the bootstrap NATS).")
public final class NatsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
