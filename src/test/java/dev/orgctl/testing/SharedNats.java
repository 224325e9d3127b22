package dev.orgctl.testing;

import dev.orgctl.config.NatsSettings;
import io.nats.client.Connection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real nats-server ({@link NatsServerFixture}) for all the tests of a class:
 * {@code @RegisterExtension static final SharedNats NATS = SharedNats.withTopology();}.
 *
 * <p>Why an extension rather than a {@code @BeforeAll} in each class: one place knows how a
 * class-wide server starts and stops. A start that fails (the server's exception carries the last
 * lines of its log) fails the class once and none of its tests run; a server that came up but
 * refused the topology is stopped before that failure is reported, not left running. JUnit runs
 * the class's own {@code @BeforeAll} after the server is up and its {@code @AfterAll} before the
 * server stops, so a gateway or bucket set up there still sees the server.
 */
public final class SharedNats implements BeforeAllCallback, AfterAllCallback {
    private final String extraConfig;
    private final boolean topology;
    private final List<Connection> connections = new ArrayList<>();
    private NatsServerFixture server;
    private Connection shared;

    private SharedNats(String extraConfig, boolean topology) {
        this.extraConfig = extraConfig;
        this.topology = topology;
    }

    /** A server with JetStream and nothing declared on it. */
    public static SharedNats plain() {
        return new SharedNats("", false);
    }

    /** A server with orgctl's whole topology (default settings), as {@link NatsServerFixture#withTopology()}. */
    public static SharedNats withTopology() {
        return withTopology("");
    }

    /** The same with extra server config lines ({@link NatsServerFixture#start(String)}). */
    public static SharedNats withTopology(String extraConfig) {
        return new SharedNats(extraConfig, true);
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        NatsServerFixture started = NatsServerFixture.start(extraConfig);
        if (topology) {
            try {
                started.withTopology();
            } catch (RuntimeException e) {
                started.close();
                throw e;
            }
        }
        server = started;
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        try {
            for (int i = connections.size() - 1; i >= 0; i--) {
                close(connections.get(i));
            }
        } finally {
            connections.clear();
            shared = null;
            if (server != null) {
                server.close();
                server = null;
            }
        }
    }

    private static void close(Connection c) {
        try {
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The running server, to restart, kill or read its store. */
    public synchronized NatsServerFixture fixture() {
        if (server == null) {
            throw new IllegalStateException("no nats-server runs: SharedNats serves only while its test class runs,"
                    + " from a static field annotated @RegisterExtension");
        }
        return server;
    }

    public String url() {
        return fixture().url();
    }

    public NatsSettings settings() {
        return fixture().settings();
    }

    /** The class's one connection, opened at its first use and closed with the server. */
    public synchronized Connection connection() {
        if (shared == null) {
            shared = connect();
        }
        return shared;
    }

    /** A further connection of its own (another client), closed with the server. */
    public synchronized Connection connect() {
        Connection c = fixture().connect();
        connections.add(c);
        return c;
    }
}
