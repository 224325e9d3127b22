package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.tfstate.StateName;
import dev.orgctl.tfstate.StateStore;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Print a state's JSON: the current version, or --version V.",
            "Decrypted when it is encrypted. Exit 1 when there is no such state or version."})
final class TfstateGetCommand extends TfstateCommand.OnState {
    @Option(names = "--version", paramLabel = "V", description = "a kept version (see 'orgctl tfstate history')")
    Long version;

    @Override
    int run(TfstateCommand.Backend b, StateName state, OrgctlConfig config, PrintWriter out) {
        StateStore store = b.store();
        Optional<StateStore.Loaded> loaded = version == null ? store.current(state) : store.version(state, version);
        StateStore.Loaded l = loaded.orElseThrow(() -> new CommandFailure(version == null
                ? "state " + state + " has no current version" : "state " + state + " has no version " + version
                + " (see 'orgctl tfstate history " + state + "')", 1));
        // Terraform states are UTF-8 JSON: printed as they were written.
        out.print(new String(l.bytes(), StandardCharsets.UTF_8));
        return 0;
    }
}
