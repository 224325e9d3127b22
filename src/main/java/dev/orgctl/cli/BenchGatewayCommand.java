package dev.orgctl.cli;

import ch.qos.logback.classic.Level;
import dev.orgctl.bench.GatewayBenchmark;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.EmbeddedNats;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.nats.topology.TopologyReconciler;
import io.nats.client.Connection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = {"Measure the webhook gateway against raw JetStream publishing.",
            "",
            "Sends signed 1 KiB and 25 KiB deliveries to an in-process gateway over loopback HTTP and publishes "
                + "the same payloads straight to GITHUB_EVENTS with jnats, in alternating rounds; reports "
                + "deliveries/s, p50/p99 latency, CPU per delivery and the ratio; then offers a fixed rate and "
                + "reports its latency. With NATS_URL unset it starts a throw-away nats-server in a temporary "
                + "directory; against NATS_URL it needs --allow-external (bench deliveries land in that server's "
                + "GITHUB_EVENTS)."})
public final class BenchGatewayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "16",
            description = "requests in flight at once (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "10000",
            description = "1 KiB deliveries per measured phase (default: ${DEFAULT-VALUE})")
    int smallRequests;

    @Option(names = "--large-requests", paramLabel = "N", defaultValue = "2000",
            description = "25 KiB deliveries per measured phase; 0 skips them (default: ${DEFAULT-VALUE})")
    int largeRequests;

    @Option(names = "--rate", paramLabel = "PER_SECOND", defaultValue = "1000",
            description = "fixed-rate phase: 1 KiB deliveries offered per second; 0 skips it (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--rate-duration", paramLabel = "DURATION", defaultValue = "10s",
            description = "length of the fixed-rate phase (default: ${DEFAULT-VALUE})",
            converter = DurationConverter.class)
    Duration rateDuration;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "10s",
            description = "unmeasured warm-up per payload size and mode (default: ${DEFAULT-VALUE})",
            converter = DurationConverter.class)
    Duration warmup;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5",
            description = "measured rounds per payload size, raw and gateway alternating; the summary gives "
                    + "medians (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--allow-external",
            description = "run against the NATS_URL server; bench deliveries are published to its GITHUB_EVENTS, "
                    + "where a running controller would read them")
    boolean allowExternal;

    @Override
    public Integer call() throws Exception {
        OrgctlConfig config = settings.resolve();
        if (concurrency < 1 || concurrency > 1024 || rounds < 1 || rate < 0 || smallRequests < 1 || largeRequests < 0) {
            throw new CommandFailure("--concurrency must be 1-1024, --rounds and --requests at least 1, "
                    + "--rate and --large-requests at least 0", Main.EXIT_CONFIG);
        }
        GatewayBenchmark.Options options = new GatewayBenchmark.Options(concurrency, smallRequests, largeRequests,
                rate, rateDuration, warmup, rounds);
        // One log line per delivery would measure the terminal, not the gateway.
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.orgctl.gateway")).setLevel(Level.WARN);
        var out = spec.commandLine().getOut();
        if (!config.nats().embedded()) {
            if (!allowExternal) {
                throw new CommandFailure("NATS_URL is set: the benchmark would publish bench deliveries to that "
                        + "server's GITHUB_EVENTS; pass --allow-external to do so, or unset NATS_URL to use a "
                        + "throw-away server", Main.EXIT_CONFIG);
            }
            NatsConnector connector = new NatsConnector(config.nats());
            ensureTopology(connector, config);
            out.println("NATS: " + String.join(",", config.nats().redactedUrls()) + " (external)");
            new GatewayBenchmark(options, connector, false, java.util.Optional.empty()).run(out);
            return 0;
        }
        Path store = Files.createTempDirectory("orgctl-bench-nats-");
        try (EmbeddedNats server = EmbeddedNats.start(new EmbeddedNats.Spec(
                EmbeddedNats.locateBinary(config.nats().serverBin()), store, "127.0.0.1", 0, -1, ""),
                Duration.ofSeconds(15), true)) {
            NatsConnector connector = new NatsConnector(config.nats().withUrls(List.of(server.url())));
            ensureTopology(connector, config);
            out.println("NATS: throw-away nats-server at " + server.url() + ", store " + store);
            new GatewayBenchmark(options, connector, true, ProcessHandle.of(server.pid())).run(out);
            return 0;
        } finally {
            TempDirs.deleteTree(store);
        }
    }

    private static void ensureTopology(NatsConnector connector, OrgctlConfig config) throws InterruptedException {
        try (Connection c = connector.connect("bench-topology", Duration.ofSeconds(5))) {
            new TopologyReconciler(c, connector.jetStreamOptions(), connector.keyValueOptions())
                    .apply(new Topology(new Topology.Settings(config.nats().replicas(), config.dedupWindow())), false);
        }
    }
}
