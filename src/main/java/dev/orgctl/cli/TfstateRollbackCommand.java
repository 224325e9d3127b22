package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.tfstate.StateName;
import dev.orgctl.tfstate.StateRollback;
import java.io.PrintWriter;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = {"Make version V current again, as a new version with V's bytes.",
            "Written under the state's lock; refused (exit 1) while someone else holds it."})
final class TfstateRollbackCommand extends TfstateCommand.OnState {
    private static final Logger log = LoggerFactory.getLogger(TfstateRollbackCommand.class);

    @Parameters(index = "1", paramLabel = "V", description = "the version to restore")
    long version;

    @Override
    int run(TfstateCommand.Backend b, StateName state, OrgctlConfig config, PrintWriter out) {
        String who = "cli:" + System.getProperty("user.name", "?");
        StateRollback.Result r = new StateRollback(b.store(), b.locks(), Clock.systemUTC()).rollback(state, version, who);
        if (r instanceof StateRollback.NoSuchVersion) {
            throw new CommandFailure("state " + state + " has no version " + version
                    + " (see 'orgctl tfstate history " + state + "')", 1);
        }
        if (r instanceof StateRollback.Refused refused) {
            throw new CommandFailure("not rolled back: " + refused.why(), 1);
        }
        long written = ((StateRollback.RolledBack) r).written().version();
        log.atWarn().addKeyValue("state", state.value()).addKeyValue("restored", version)
                .addKeyValue("version", written).addKeyValue("by", who).log("state rolled back");
        out.println("state " + state + ": version " + written + " is version " + version + " again");
        return 0;
    }
}
