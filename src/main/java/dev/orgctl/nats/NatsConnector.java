package dev.orgctl.nats;

import dev.orgctl.config.NatsSettings;
import dev.orgctl.config.Secret;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValueOptions;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens NATS connections from {@link NatsSettings}: every authentication kind orgctl supports,
 * TLS from PEM files, reconnect forever with backoff and jitter, and a connection name that tells
 * an operator looking at {@code /connz} which orgctl process and role it is.
 */
public final class NatsConnector {
    private static final Logger log = LoggerFactory.getLogger(NatsConnector.class);

    private final NatsSettings settings;

    public NatsConnector(NatsSettings settings) {
        this.settings = settings;
    }

    /** Connects, waiting at most {@code timeout} for the first connection. */
    public Connection connect(String role, Duration timeout) throws NatsUnavailableException {
        return connect(role, timeout, UnaryOperator.identity());
    }

    /**
     * Connects with the common options adjusted for one role; for example the gateway turns the
     * reconnect buffer off so that nothing it publishes while disconnected is sent later behind
     * its back.
     */
    public Connection connect(String role, Duration timeout, UnaryOperator<Options.Builder> customize)
            throws NatsUnavailableException {
        Options options = customize.apply(builder(role, timeout)).build();
        try {
            Connection c = Nats.connect(options);
            log.atInfo().addKeyValue("servers", String.join(",", settings.redactedUrls()))
                    .addKeyValue("name", options.getConnectionName())
                    .addKeyValue("server_version", c.getServerInfo().getVersion())
                    .log("nats connected");
            return c;
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot connect to NATS at " + String.join(",", settings.redactedUrls())
                    + ": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsUnavailableException("interrupted while connecting to NATS", e);
        }
    }

    Options options(String role, Duration timeout) {
        return builder(role, timeout).build();
    }

    private Options.Builder builder(String role, Duration timeout) {
        Options.Builder b = new Options.Builder()
                .servers(settings.urls().toArray(new String[0]))
                .connectionName(connectionName(role))
                .connectionTimeout(timeout)
                .maxReconnects(-1)
                .reconnectWait(Duration.ofSeconds(1))
                .reconnectJitter(Duration.ofMillis(500))
                .reconnectJitterTls(Duration.ofSeconds(1))
                .reconnectBufferSize(8L * 1024 * 1024)
                .connectionListener(connectionListener())
                .errorListener(new LoggingErrorListener(new PermissionRefusals(settings.user())));
        settings.credsFile().ifPresent(f -> b.authHandler(Nats.credentials(f.toString())));
        settings.nkeyFile().ifPresent(f -> b.authHandler(Nats.staticCredentials(null, readSeed(f))));
        settings.token().ifPresent(t -> b.token(t.reveal()));
        if (settings.user().isPresent()) {
            b.userInfo(settings.user().get().toCharArray(), settings.password().map(Secret::reveal).orElse(new char[0]));
        }
        if (settings.tls()) {
            try {
                b.sslContext(PemTls.context(settings.tlsCaFile(), settings.tlsCertFile(), settings.tlsKeyFile()));
            } catch (IOException | GeneralSecurityException e) {
                throw new NatsUnavailableException("cannot load NATS TLS files: " + e.getMessage(), e);
            }
        }
        return b;
    }

    public JetStreamOptions jetStreamOptions() {
        JetStreamOptions.Builder b = JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(5));
        settings.jetStreamDomain().ifPresent(b::domain);
        return b.build();
    }

    public KeyValueOptions keyValueOptions() {
        return KeyValueOptions.builder().jetStreamOptions(jetStreamOptions()).build();
    }

    public NatsSettings settings() {
        return settings;
    }

    static String connectionName(String role) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown-host";
        }
        return "orgctl-" + role + "@" + host + "/pid-" + ProcessHandle.current().pid();
    }

    private static char[] readSeed(java.nio.file.Path file) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                String t = line.trim();
                if (t.startsWith("S") && t.length() > 50) {
                    return t.toCharArray();
                }
            }
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot read NKey seed file " + file + ": " + e.getMessage(), e);
        }
        throw new NatsUnavailableException("NKey seed file " + file + " holds no seed (a line starting with S)", null);
    }

    private static ConnectionListener connectionListener() {
        return new OutageLog()::connectionEvent;
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        if (m.contains("Authorization Violation") || m.contains("Authentication")) {
            return "authentication refused by the server (check the credentials)";
        }
        return NatsSettings.redactAll(m);
    }

    /**
     * Keeps jnats's asynchronous errors in the structured log instead of on stderr, and the
     * server's permission refusals for {@link PermissionRefusals#explain}.
     */
    static final class LoggingErrorListener implements ErrorListener {
        private final PermissionRefusals refusals;

        LoggingErrorListener(PermissionRefusals refusals) {
            this.refusals = refusals;
        }

        PermissionRefusals refusals() {
            return refusals;
        }

        @Override
        public void errorOccurred(Connection conn, String error) {
            if (refusals.offer(error)) {
                log.atError().log(refusals.last().orElse(error));
            } else {
                log.atWarn().addKeyValue("error", error).log("nats server error");
            }
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            log.atDebug().addKeyValue("error", String.valueOf(exp.getMessage())).log("nats connection exception");
        }

        @Override
        public void slowConsumerDetected(Connection conn, io.nats.client.Consumer consumer) {
            log.atWarn().log("nats slow consumer detected");
        }
    }

    public static Optional<String> serverVersion(Connection c) {
        return Optional.ofNullable(c.getServerInfo()).map(i -> i.getVersion());
    }
}
