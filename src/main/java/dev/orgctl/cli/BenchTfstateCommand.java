package dev.orgctl.cli;

import dev.orgctl.config.Durations;
import dev.orgctl.config.HostPort;
import dev.orgctl.config.NatsSettings;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.config.Secret;
import dev.orgctl.config.WebhookSecrets;
import dev.orgctl.gateway.Gateway;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.nats.EmbeddedNats;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.nats.topology.TopologyReconciler;
import dev.orgctl.tfstate.TfstateBackend;
import dev.orgctl.tfstate.TfstateHandler;
import dev.orgctl.tfstate.TfstateSettings;
import dev.orgctl.tfstate.auth.Caller;
import dev.orgctl.tfstate.auth.AuthOutcome;
import dev.orgctl.tfstate.auth.Access;
import dev.orgctl.tfstate.auth.StateAuth;
import io.nats.client.Connection;
import io.nats.client.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code orgctl bench tfstate}: a state's GET and POST through the backend (HTTP, auth, object
 * store, metadata switch) beside raw Object Store get/put of the same bytes, on one private server.
 */
@Command(name = "tfstate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure the Terraform state backend beside raw JetStream.",
            "State GET and POST of 100 KB and 10 MB over loopback HTTP to an in-process backend,",
            "and raw Object Store get/put of the same bytes, in alternating rounds on one private",
            "nats-server (file store in a temporary directory); prints p50/p99 and the ratios."})
public final class BenchTfstateCommand implements Callable<Integer> {
    private static final String SECRET = UUID.randomUUID().toString();

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "5s",
            description = "measuring time per case (default 5s)", converter = DurationConverter.class)
    Duration duration;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "2s",
            description = "warm-up time per case, not measured (default 2s)", converter = DurationConverter.class)
    Duration warmup;

    @Override
    public Integer call() throws Exception {
        OrgctlConfig config = settings.resolve();
        PrintWriter out = spec.commandLine().getOut();
        Path store = Files.createTempDirectory("orgctl-bench-");
        try (EmbeddedNats server = EmbeddedNats.start(new EmbeddedNats.Spec(EmbeddedNats.locateBinary(
                config.nats().serverBin()), store, "127.0.0.1", 0, -1, ""), Duration.ofSeconds(15), true)) {
            NatsConnector connector = new NatsConnector(NatsSettings.plain(server.url()));
            try (Connection main = connector.connect("bench", Duration.ofSeconds(5))) {
                new TopologyReconciler(main, connector.jetStreamOptions(), connector.keyValueOptions())
                        .apply(new Topology(Topology.Settings.defaults()), true);
                TfstateSettings ts = TfstateSettings.defaults();
                GatewaySettings gs = GatewaySettings.defaults(new HostPort("127.0.0.1", 0),
                        new WebhookSecrets(List.of(Secret.of("unused")))).withShutdownGrace(Duration.ofSeconds(2));
                try (Gateway gateway = Gateway.start(gs, connector, Gateway.newRegistry(), Map.of(),
                        List.of(TfstateBackend.route(ts, new OneSecret(), Gateway.newRegistry(), Clock.systemUTC())))) {
                    out.printf("orgctl bench tfstate: nats-server %s (private, file store), %s per case after %s warm-up,"
                            + " %d cores, Java %s%n", NatsConnector.serverVersion(main).orElse("?"),
                            Durations.format(duration), Durations.format(warmup),
                            Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
                    out.flush();
                    ObjectStore objects = main.objectStore(Topology.TFSTATE_OBJECTS);
                    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    for (int size : new int[] {100 * 1000, 10 * 1000 * 1000}) {
                        measure(out, gateway.url(), http, objects, size);
                    }
                }
            }
        } finally {
            TempDirs.deleteTree(store);
        }
        return 0;
    }

    private void measure(PrintWriter out, URI base, HttpClient http, ObjectStore objects, int size) throws Exception {
        String label = size >= 1_000_000 ? size / 1_000_000 + " MB" : size / 1000 + " KB";
        byte[] state = state(size);
        URI uri = base.resolve(TfstateHandler.PREFIX + "bench/" + size);
        String auth = "Basic " + Base64.getEncoder().encodeToString(("bench:" + SECRET).getBytes(StandardCharsets.UTF_8));
        String rawName = "bench-raw/" + size;
        BenchLockCommand.Op post = () -> {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", auth)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(state)).build(), HttpResponse.BodyHandlers.discarding());
            check(r.statusCode(), "POST");
            return 1;
        };
        BenchLockCommand.Op put = () -> {
            objects.put(rawName, new ByteArrayInputStream(state));
            return 1;
        };
        BenchLockCommand.Op get = () -> {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", auth).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            check(r.statusCode(), "GET");
            return 1;
        };
        BenchLockCommand.Op rawGet = () -> {
            ByteArrayOutputStream b = new ByteArrayOutputStream(size);
            objects.get(rawName, b);
            return 1;
        };
        List<BenchLockCommand.Figures> puts = BenchLockCommand.runPair(out, "raw object store put, " + label, List.of(put),
                "backend POST, " + label, List.of(post), warmup, duration, BenchLockCommand.ROUNDS);
        List<BenchLockCommand.Figures> gets = BenchLockCommand.runPair(out, "raw object store get, " + label,
                List.of(rawGet), "backend GET, " + label, List.of(get), warmup, duration, BenchLockCommand.ROUNDS);
        out.printf("  ratio %s: POST/put p50 %.2fx, GET/get p50 %.2fx%n", label, ratio(puts), ratio(gets));
        out.flush();
    }

    private static double ratio(List<BenchLockCommand.Figures> pair) {
        return (double) pair.get(1).p50Nanos() / Math.max(1, pair.get(0).p50Nanos());
    }

    private static void check(int status, String method) {
        if (status != 200) {
            throw new IllegalStateException("the backend answered " + method + " with " + status);
        }
    }

    /** A Terraform-shaped state of about {@code size} bytes (the padding is one resource's attribute). */
    static byte[] state(int size) {
        String head = "{\"version\":4,\"terraform_version\":\"1.11.4\",\"serial\":1,\"lineage\":\"bench\",\"outputs\":{},"
                + "\"resources\":[{\"mode\":\"managed\",\"type\":\"terraform_data\",\"name\":\"pad\",\"instances\":"
                + "[{\"attributes\":{\"input\":\"";
        String tail = "\"}}]}]}";
        return (head + "x".repeat(Math.max(0, size - head.length() - tail.length())) + tail)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The bench's one credential: a random secret only this process knows, allowed everything. */
    private static final class OneSecret implements StateAuth {
        private static final Caller CALLER = new Caller("token", "bench", Map.of(), Optional.empty());

        @Override
        public AuthOutcome authenticate(Optional<String> authorization) {
            String expected = "Basic " + Base64.getEncoder().encodeToString(("bench:" + SECRET)
                    .getBytes(StandardCharsets.UTF_8));
            return authorization.filter(expected::equals).<AuthOutcome>map(a -> new AuthOutcome.Authenticated(CALLER))
                    .orElseGet(() -> new AuthOutcome.Unauthenticated("not the bench's credential"));
        }

        @Override
        public boolean allows(Caller caller, String name, Access access) {
            return true;
        }
    }
}
