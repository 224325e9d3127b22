package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.tfstate.StateLock;
import dev.orgctl.tfstate.StateName;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "unlock", mixinStandardHelpOptions = true,
        description = {"Release a state's lock whoever holds it (a CI run that died, a laptop gone).",
            "Asks for confirmation unless --yes; logged with who released it. The old holder's",
            "writes are refused from then on (its lock ID is stale)."})
final class TfstateUnlockCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(TfstateUnlockCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Parameters(index = "0", paramLabel = "NAME", description = "the state")
    String name;

    @Option(names = {"-y", "--yes"}, description = "do not ask for confirmation")
    boolean yes;

    @Override
    public Integer call() throws IOException {
        StateName state = TfstateCommand.name(spec, name);
        OrgctlConfig config = settings.resolve();
        PrintWriter out = spec.commandLine().getOut();
        try (NatsRuntime nats = TfstateCommand.nats(config)) {
            TfstateCommand.Backend b = TfstateCommand.Backend.open(nats, config);
            Optional<StateLock> held = b.locks().holder(state);
            if (held.isEmpty()) {
                out.println("state " + state + " is not locked; nothing to release");
                out.flush();
                return 0;
            }
            String what = "the lock of " + state + " held by " + TfstateCommand.holder(held.get(), config.github().apiUrl());
            if (!yes && !LockCommand.Release.confirm(out, "Release " + what + "? [y/N] ")) {
                throw new CommandFailure("not released (answer y to release, or pass --yes)", 1);
            }
            var released = b.locks().unlock(state, held.get().id());
            if (!(released instanceof dev.orgctl.tfstate.StateLocks.Unlocked)) {
                throw new CommandFailure("the lock of " + state + " changed hands while you decided; nothing released: "
                        + "look again with 'orgctl tfstate show " + state + "'", 1);
            }
            log.atWarn().addKeyValue("state", state.value()).addKeyValue("lock_id", held.get().id())
                    .addKeyValue("holder", held.get().subject()).addKeyValue("by", System.getProperty("user.name", "?"))
                    .log("state lock released from the command line");
            out.println("released " + what);
            out.flush();
            return 0;
        }
    }
}
