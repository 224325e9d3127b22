package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.tfstate.StateName;
import dev.orgctl.tfstate.StateStore;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Print a state's JSON (the current version, or --version V) to standard output,",
            "decrypted when it is encrypted. Exit 1 when there is no such state or version."})
final class TfstateGetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Parameters(index = "0", paramLabel = "NAME", description = "the state")
    String name;

    @Option(names = "--version", paramLabel = "V", description = "a kept version (see 'orgctl tfstate history')")
    Long version;

    @Override
    public Integer call() {
        StateName state = TfstateCommand.name(spec, name);
        OrgctlConfig config = settings.resolve();
        try (NatsRuntime nats = TfstateCommand.nats(config)) {
            StateStore store = TfstateCommand.Backend.open(nats, config).store();
            Optional<StateStore.Loaded> loaded = version == null ? store.current(state) : store.version(state, version);
            StateStore.Loaded l = loaded.orElseThrow(() -> new CommandFailure(version == null
                    ? "state " + state + " has no current version" : "state " + state + " has no version " + version
                    + " (see 'orgctl tfstate history " + state + "')", 1));
            // Terraform states are UTF-8 JSON: printed as they were written.
            spec.commandLine().getOut().print(new String(l.bytes(), StandardCharsets.UTF_8));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
