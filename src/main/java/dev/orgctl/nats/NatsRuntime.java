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

    private NatsRuntime(NatsConnector connector, Connection connection, Optional<EmbeddedNats> embedded,
                        Topology topology) {
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
                new JetStreamReadiness(c, connector.jetStreamOptions(), settings.redactedUrls(), line -> {
                    log.atInfo().addKeyValue("role", role).log(line);
                    progress.accept(line);
                }).await(settings.jetStreamWait());
            } catch (RuntimeException e) {
                closeQuietly(c);
                throw e;
            }
            Topology topology = new Topology(new Topology.Settings(settings.replicas(), config.dedupWindow()));
            return new NatsRuntime(connector, c, embedded, topology);
        } catch (RuntimeException e) {
            embedded.ifPresent(EmbeddedNats::close);
            throw e;
        }
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
