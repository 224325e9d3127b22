package dev.orgctl.bootstrap.stages;

import dev.orgctl.bootstrap.BootstrapContext;
import dev.orgctl.bootstrap.FileStateStore;
import dev.orgctl.bootstrap.Stage;
import dev.orgctl.bootstrap.StageName;
import java.nio.file.Files;
import java.util.Map;
import java.util.Optional;

/**
 * Stage 2: the bootstrap state store. NATS does not exist yet, so it is a local file guarded by
 * an OS file lock (taken by the runner for the whole run); the topology stage moves it into NATS.
 */
public final class StateStage implements Stage {
    @Override
    public StageName name() {
        return StageName.STATE;
    }

    @Override
    public String plan(BootstrapContext ctx) {
        return "keep the bootstrap state in " + new FileStateStore(ctx.config().dataDir()).file()
                + " (until NATS has the ORGCTL_BOOTSTRAP bucket)";
    }

    @Override
    public void precondition(BootstrapContext ctx) {
    }

    @Override
    public Outcome apply(BootstrapContext ctx) {
        // The runner has already written the file when it recorded this stage's start.
        return Outcome.done("state in " + new FileStateStore(ctx.config().dataDir()).file(), Map.of());
    }

    @Override
    public Optional<String> verify(BootstrapContext ctx) {
        var file = new FileStateStore(ctx.config().dataDir()).file();
        return Files.isReadable(file) ? Optional.empty() : Optional.of("the state file " + file + " is missing");
    }
}
