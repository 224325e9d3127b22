package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.tfstate.StateLock;
import dev.orgctl.tfstate.StateLocks;
import dev.orgctl.tfstate.StateName;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "unlock", mixinStandardHelpOptions = true,
        description = {"Release a state's lock whoever holds it (a CI run that died, a laptop gone).",
            "Asks for confirmation unless --yes; logged with who released it. The old holder's",
            "writes are refused from then on (its lock ID is stale)."})
final class TfstateUnlockCommand extends TfstateCommand.OnState {
    private static final Logger log = LoggerFactory.getLogger(TfstateUnlockCommand.class);

    @Option(names = {"-y", "--yes"}, description = "do not ask for confirmation")
    boolean yes;

    @Override
    int run(TfstateCommand.Backend b, StateName state, OrgctlConfig config, PrintWriter out) throws IOException {
        Optional<StateLock> held = b.locks().holder(state);
        if (held.isEmpty()) {
            out.println("state " + state + " is not locked; nothing to release");
            return 0;
        }
        String what = "the lock of " + state + " held by " + TfstateCommand.holder(held.get(), config.github().apiUrl());
        if (!yes && !LockCommand.Release.confirm(out, "Release " + what + "? [y/N] ")) {
            throw new CommandFailure("not released (answer y to release, or pass --yes)", 1);
        }
        if (!(b.locks().unlock(state, held.get().id()) instanceof StateLocks.Unlocked)) {
            throw new CommandFailure("the lock of " + state + " changed hands while you decided; nothing released: "
                    + "look again with 'orgctl tfstate show " + state + "'", 1);
        }
        log.atWarn().addKeyValue("state", state.value()).addKeyValue("lock_id", held.get().id())
                .addKeyValue("holder", held.get().subject()).addKeyValue("by", System.getProperty("user.name", "?"))
                .log("state lock released from the command line");
        out.println("released " + what);
        return 0;
    }
}
