package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.EmbeddedNats;
import dev.orgctl.nats.NatsRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the embedded NATS server with JetStream in the foreground, on a persistent store.",
            "It prints the URL to connect to (NATS_URL=...). Stop it with Ctrl-C. A second server on the same "
                + "store is refused while this one runs."})
public final class NatsServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "4222",
            description = "client port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "address to listen on (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--store", paramLabel = "DIR",
            description = "JetStream store directory (default: <data dir>/nats)")
    Path store;

    @Option(names = "--monitor-port", paramLabel = "PORT", defaultValue = "-1",
            description = "HTTP monitoring port for /varz, /jsz, /connz; 0 picks a free one (default: off)")
    int monitorPort;

    @Override
    public Integer call() throws InterruptedException {
        OrgctlConfig config = settings.resolve();
        if (port < 0 || port > 65535) {
            throw new CommandFailure("--port must be 0-65535, got " + port, Main.EXIT_CONFIG);
        }
        Path storeDir = store != null ? store : NatsRuntime.embeddedStore(config);
        EmbeddedNats server = EmbeddedNats.start(new EmbeddedNats.Spec(
                EmbeddedNats.locateBinary(config.nats().serverBin()), storeDir, host, port, monitorPort, ""),
                Duration.ofSeconds(15), true);
        Thread hook = new Thread(server::close, "nats-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        var out = spec.commandLine().getOut();
        out.println("nats-server ready (pid " + server.pid() + ", store " + storeDir.toAbsolutePath() + ")");
        server.monitorUrl().ifPresent(m -> out.println("monitoring: " + m));
        out.println("NATS_URL=" + server.url());
        out.flush();
        int code = server.waitFor();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            return 0; // shutting down: the hook stops the server
        }
        server.close();
        throw new CommandFailure("nats-server exited with code " + code + "; see " + storeDir.resolve("nats-server.log"), 1);
    }
}
