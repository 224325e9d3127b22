package dev.orgctl.testing;

import dev.orgctl.config.NatsSettings;
import dev.orgctl.nats.EmbeddedNats;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.nats.topology.TopologyReconciler;
import io.nats.client.Connection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A real nats-server for a test: random port, temporary store, JetStream on. It can be killed
 * (SIGKILL) and restarted on the same store and port, so tests can prove what survives.
 */
public final class NatsServerFixture implements AutoCloseable {
    private final Path store;
    private final String extraConfig;
    private int port;
    private EmbeddedNats server;

    private NatsServerFixture(Path store, int port, String extraConfig) {
        this.store = store;
        this.port = port;
        this.extraConfig = extraConfig;
        launch();
    }

    public static NatsServerFixture start() {
        return start("");
    }

    /** A server with extra config lines (authorization, tls, ...). */
    public static NatsServerFixture start(String extraConfig) {
        try {
            return new NatsServerFixture(Files.createTempDirectory("orgctl-nats-"), 0, extraConfig);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() {
        server = EmbeddedNats.start(new EmbeddedNats.Spec(EmbeddedNats.locateBinary(Optional.empty()), store,
                "127.0.0.1", port, -1, extraConfig), Duration.ofSeconds(15), true);
        port = URI.create(server.url()).getPort();
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path store() {
        return store;
    }

    public long pid() {
        return server.pid();
    }

    public NatsSettings settings() {
        return NatsSettings.plain(url());
    }

    /** A plain connection (no auth) named for the test. */
    public Connection connect() {
        return new NatsConnector(settings()).connect("test", Duration.ofSeconds(5));
    }

    /** Creates the whole orgctl topology with default settings. */
    public NatsServerFixture withTopology() {
        return withTopology(Topology.Settings.defaults());
    }

    public NatsServerFixture withTopology(Topology.Settings settings) {
        applyTopology(settings(), settings);
        return this;
    }

    /** Creates (or updates) orgctl's whole topology on the servers of {@code nats}. */
    static void applyTopology(NatsSettings nats, Topology.Settings settings) {
        NatsConnector connector = new NatsConnector(nats);
        try (Connection c = connector.connect("test-topology", Duration.ofSeconds(10))) {
            new TopologyReconciler(c, connector.jetStreamOptions(), connector.keyValueOptions())
                    .apply(new Topology(settings), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL: no flush, no goodbye. */
    public void kill() {
        server.kill();
    }

    /** Graceful stop (SIGTERM). */
    public void stop() {
        server.close();
    }

    /** Starts again on the same store and port. */
    public void restart() {
        if (server.isAlive()) {
            server.close();
        }
        launch();
    }

    @Override
    public void close() {
        server.close();
        deleteTree(store);
    }

    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort for temporary files
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
