package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.tfstate.StateName;
import dev.orgctl.tfstate.StateRollback;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = {"Make version V current again: a new version with V's bytes, written under",
            "the state's lock. Refused (exit 1) while someone else holds the lock."})
final class TfstateRollbackCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(TfstateRollbackCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Parameters(index = "0", paramLabel = "NAME", description = "the state")
    String name;

    @Parameters(index = "1", paramLabel = "V", description = "the version to restore")
    long version;

    @Override
    public Integer call() {
        StateName state = TfstateCommand.name(spec, name);
        OrgctlConfig config = settings.resolve();
        String who = "cli:" + System.getProperty("user.name", "?");
        try (NatsRuntime nats = TfstateCommand.nats(config)) {
            TfstateCommand.Backend b = TfstateCommand.Backend.open(nats, config);
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
            spec.commandLine().getOut().println("state " + state + ": version " + written + " is version " + version
                    + " again");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
