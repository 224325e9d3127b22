package dev.orgctl.cli;

import dev.orgctl.bootstrap.BackgroundProcess;
import dev.orgctl.bootstrap.stages.GatewayStage;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.EmbeddedNats;
import dev.orgctl.nats.NatsRuntime;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "down", mixinStandardHelpOptions = true,
        description = {"Stop what a dev bootstrap left running in the background: orgctl up (gateway and controller) "
                + "and, unless --keep-nats, the embedded NATS server. Data stays in the data directory."})
public final class DownCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Option(names = "--keep-nats", description = "leave the embedded NATS server running")
    boolean keepNats;

    @Override
    public Integer call() {
        OrgctlConfig config = settings.resolve();
        var out = spec.commandLine().getOut();
        boolean up = new BackgroundProcess(config.dataDir(), GatewayStage.PROCESS).stop(Duration.ofSeconds(20));
        out.println(up ? "stopped orgctl up" : "orgctl up was not running");
        if (!keepNats) {
            boolean nats = EmbeddedNats.stopRunning(NatsRuntime.embeddedStore(config), Duration.ofSeconds(15));
            out.println(nats ? "stopped the embedded nats-server" : "the embedded nats-server was not running");
        }
        out.flush();
        return 0;
    }
}
