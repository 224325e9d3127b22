package dev.orgctl.nats;

import dev.orgctl.config.NatsSettings;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.topology.Topology;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.KeyValue;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NATS side of one orgctl process: the connection, and the embedded server when orgctl
 * started one. Closing it closes the connection first, then stops the server it owns.
 */
public final class NatsRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NatsRuntime.class);
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** What to do when {@code NATS_URL} is unset. */
    public enum WhenNoUrl {
        /** Start the embedded server (or use the one already running on the data dir's store). */
        START_EMBEDDED,
        /**
         * Use the embedded server already running on the data dir's store; when none runs but the
         * store exists (orgctl ran here before), start it for this command only, so that
         * {@code orgctl status} works after {@code orgctl demo} or {@code orgctl up} has stopped.
         * With no store either, fail clearly.
         */
        USE_RUNNING_EMBEDDED
    }

    private final NatsConnector connector;
    private final Connection connection;
    private final Optional<EmbeddedNats> embedded;
    private final Topology topology;
    private final ClusterShape shape;
    private final int replicas;

    private NatsRuntime(NatsConnector connector, Connection connection, Optional<EmbeddedNats> embedded,
                        Topology topology, ClusterShape shape, int replicas) {
        this.shape = shape;
        this.replicas = replicas;
        this.connector = connector;
        this.connection = connection;
        this.embedded = embedded;
        this.topology = topology;
    }

    /** The store of the embedded server for a data directory. */
    public static Path embeddedStore(OrgctlConfig config) {
        return config.dataDir().resolve("nats");
    }

    /** Opens with the JetStream wait's progress lines on stderr, where a person running a command sees them. */
    public static NatsRuntime open(OrgctlConfig config, String role, WhenNoUrl whenNoUrl) {
        return open(config, role, whenNoUrl, line -> System.err.println("orgctl: " + line));
    }

    /**
     * Connects (starting the embedded server when asked) and waits, at most the configured
     * {@code --nats-wait}, until JetStream answers: every command and service goes through here, so
     * none of them fails on a cluster that is still electing its leader.
     */
    public static NatsRuntime open(OrgctlConfig config, String role, WhenNoUrl whenNoUrl, Consumer<String> progress) {
        NatsSettings settings = config.nats();
        Optional<EmbeddedNats> embedded = Optional.empty();
        if (settings.embedded()) {
            Path store = embeddedStore(config);
            Optional<EmbeddedNats.Running> running = EmbeddedNats.findRunning(store);
            if (running.isPresent()) {
                settings = settings.withUrls(List.of(running.get().url()));
                log.atInfo().addKeyValue("url", running.get().url()).addKeyValue("pid", running.get().pid())
                        .log("using the embedded nats-server already running on the data dir");
            } else if (whenNoUrl == WhenNoUrl.START_EMBEDDED
                    || java.nio.file.Files.isDirectory(store.resolve("jetstream"))) {
                EmbeddedNats server = EmbeddedNats.start(new EmbeddedNats.Spec(
                        EmbeddedNats.locateBinary(settings.serverBin()), store, "127.0.0.1", 0, -1, ""),
                        Duration.ofSeconds(15), true);
                embedded = Optional.of(server);
                settings = settings.withUrls(List.of(server.url()));
            } else {
                throw new NatsUnavailableException("no NATS to talk to: set NATS_URL (--nats-url), or start one with "
                        + "'orgctl nats serve' or 'orgctl up' on this data dir (" + config.dataDir() + ")", null);
            }
        }
        NatsConnector connector = new NatsConnector(settings);
        try {
            Connection c = connector.connect(role, CONNECT_TIMEOUT);
            try {
                awaitJetStream(c, connector, role, progress);
            } catch (RuntimeException e) {
                closeQuietly(c);
                throw e;
            }
            ClusterShape shape = ClusterShape.of(c);
            int replicas = replicas(settings, shape);
            Topology topology = new Topology(new Topology.Settings(replicas, config.dedupWindow()));
            return new NatsRuntime(connector, c, embedded, topology, shape, replicas);
        } catch (RuntimeException e) {
            embedded.ifPresent(EmbeddedNats::close);
            throw e;
        }
    }

    /** Waits, at most the configured {@code --nats-wait}, until JetStream answers on {@code c}. */
    public static void awaitJetStream(Connection c, NatsConnector connector, String role, Consumer<String> progress) {
        new JetStreamReadiness(c, connector.jetStreamOptions(), connector.settings().redactedUrls(), line -> {
            log.atInfo().addKeyValue("role", role).log(line);
            progress.accept(line);
        }).await(connector.settings().jetStreamWait());
    }

    /**
     * The configured replica count, or, when none is configured, the one that fits the server: so
     * {@code orgctl bootstrap} against a 3-node cluster creates R3 streams, and later commands plan
     * against R3 too instead of reporting every stream as changed.
     */
    public static int replicas(NatsSettings settings, ClusterShape shape) {
        if (settings.replicasGiven()) {
            return settings.replicas();
        }
        int picked = shape.suggestedReplicas();
        if (picked != settings.replicas()) {
            log.atInfo().addKeyValue("replicas", picked).addKeyValue("servers", shape.servers())
                    .log("no ORGCTL_NATS_REPLICAS set: using the replica count that fits the NATS cluster");
        }
        return picked;
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public Connection connection() {
        return connection;
    }

    public NatsConnector connector() {
        return connector;
    }

    public Topology topology() {
        return topology;
    }

    /** The servers behind the connection, as it found them when it opened. */
    public ClusterShape clusterShape() {
        return shape;
    }

    /** What is wrong with the topology's replica count on these servers (empty when nothing is). */
    public List<String> replicaWarnings() {
        return shape.replicaWarnings(replicas);
    }

    public Optional<EmbeddedNats> embedded() {
        return embedded;
    }

    public JetStream jetStream() {
        try {
            return connection.jetStream(connector.jetStreamOptions());
        } catch (IOException e) {
            throw new NatsUnavailableException("JetStream is not available: " + e.getMessage(), e);
        }
    }

    public KeyValue keyValue(String bucket) {
        try {
            return connection.keyValue(bucket, connector.keyValueOptions());
        } catch (IOException e) {
            throw new NatsUnavailableException("KV bucket " + bucket + " is not available: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        embedded.ifPresent(EmbeddedNats::close);
    }
}
