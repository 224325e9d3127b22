package dev.orgctl.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.config.NatsSettings;
import dev.orgctl.config.Secret;
import dev.orgctl.testing.NatsJwt;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.TestPki;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.NKey;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each authentication kind and TLS, against real nats-server processes configured for it. */
class NatsConnectorAuthTest {
    @TempDir
    Path dir;

    private static NatsSettings settings(String url, Optional<Path> creds, Optional<Path> nkey, Optional<Secret> token,
                                         Optional<String> user, Optional<Secret> password, Optional<Path> ca,
                                         Optional<Path> cert, Optional<Path> key) {
        return new NatsSettings(List.of(url), creds, nkey, token, user, password, ca, cert, key, Optional.empty(),
                Optional.empty(), 1, false, java.time.Duration.ofSeconds(30));
    }

    /** Proves the connection is usable: a JetStream stream round trip, not only a TCP handshake. */
    private static void assertJetStreamWorks(Connection c) throws Exception {
        JetStreamManagement jsm = c.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("AUTHCHECK").subjects("authcheck.>")
                .storageType(StorageType.Memory).build());
        assertThat(c.jetStream().publish("authcheck.one", "x".getBytes(StandardCharsets.UTF_8)).getSeqno()).isEqualTo(1);
    }

    @Test
    void token() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start("authorization { token: \"tok-123\" }")) {
            NatsSettings good = settings(nats.url(), Optional.empty(), Optional.empty(), Optional.of(Secret.of("tok-123")),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
            try (Connection c = new NatsConnector(good).connect("t", Duration.ofSeconds(5))) {
                assertJetStreamWorks(c);
            }
            NatsSettings bad = settings(nats.url(), Optional.empty(), Optional.empty(), Optional.of(Secret.of("wrong-tok")),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
            assertThatThrownBy(() -> new NatsConnector(bad).connect("t", Duration.ofSeconds(3)))
                    .isInstanceOf(NatsUnavailableException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong-tok"));
        }
    }

    @Test
    void userAndPassword() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start(
                "authorization { users = [ { user: \"orgctl\", password: \"pw-456\" } ] }")) {
            NatsSettings s = settings(nats.url(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.of("orgctl"), Optional.of(Secret.of("pw-456")), Optional.empty(), Optional.empty(), Optional.empty());
            try (Connection c = new NatsConnector(s).connect("t", Duration.ofSeconds(5))) {
                assertJetStreamWorks(c);
            }
            NatsSettings bad = settings(nats.url(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.of("orgctl"), Optional.of(Secret.of("nope-789")), Optional.empty(), Optional.empty(), Optional.empty());
            assertThatThrownBy(() -> new NatsConnector(bad).connect("t", Duration.ofSeconds(3)))
                    .isInstanceOf(NatsUnavailableException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("nope-789"));
        }
    }

    @Test
    void nkeySeedFile() throws Exception {
        NKey user = NKey.createUser(new SecureRandom());
        Path seed = dir.resolve("user.nk");
        Files.writeString(seed, new String(user.getSeed()) + "\n");
        try (NatsServerFixture nats = NatsServerFixture.start(
                "authorization { users = [ { nkey: \"" + new String(user.getPublicKey()) + "\" } ] }")) {
            NatsSettings s = settings(nats.url(), Optional.empty(), Optional.of(seed), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
            try (Connection c = new NatsConnector(s).connect("t", Duration.ofSeconds(5))) {
                assertJetStreamWorks(c);
            }
            NKey other = NKey.createUser(new SecureRandom());
            Path otherSeed = dir.resolve("other.nk");
            Files.writeString(otherSeed, new String(other.getSeed()));
            NatsSettings bad = settings(nats.url(), Optional.empty(), Optional.of(otherSeed), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
            assertThatThrownBy(() -> new NatsConnector(bad).connect("t", Duration.ofSeconds(3)))
                    .isInstanceOf(NatsUnavailableException.class);
        }
    }

    @Test
    void credsFileInOperatorMode() throws Exception {
        NatsJwt jwt = NatsJwt.create(dir);
        try (NatsServerFixture nats = NatsServerFixture.start(jwt.serverConfig())) {
            NatsSettings s = settings(nats.url(), Optional.of(jwt.credsFile()), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
            try (Connection c = new NatsConnector(s).connect("t", Duration.ofSeconds(5))) {
                assertJetStreamWorks(c);
            }
            NatsSettings none = NatsSettings.plain(nats.url());
            assertThatThrownBy(() -> new NatsConnector(none).connect("t", Duration.ofSeconds(3)))
                    .isInstanceOf(NatsUnavailableException.class);
        }
    }

    @Test
    void tlsWithCaAndMutualTlsClientCertificate() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"));
        try (NatsServerFixture nats = NatsServerFixture.start(pki.serverTlsConfig(true))) {
            String url = "tls://127.0.0.1:" + nats.port();
            NatsSettings s = settings(url, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.of(pki.caCert()), Optional.of(pki.clientCert()), Optional.of(pki.clientKey()));
            try (Connection c = new NatsConnector(s).connect("t", Duration.ofSeconds(5))) {
                assertJetStreamWorks(c);
            }
            // Without the client certificate the server refuses the handshake.
            NatsSettings noClientCert = settings(url, Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.of(pki.caCert()), Optional.empty(), Optional.empty());
            assertThatThrownBy(() -> new NatsConnector(noClientCert).connect("t", Duration.ofSeconds(3)))
                    .isInstanceOf(NatsUnavailableException.class);
        }
    }

    @Test
    void tlsServerOnlyAndAnUntrustedCa() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"));
        TestPki other = TestPki.create(dir.resolve("other"));
        try (NatsServerFixture nats = NatsServerFixture.start(pki.serverTlsConfig(false))) {
            String url = "tls://127.0.0.1:" + nats.port();
            NatsSettings s = settings(url, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.of(pki.caCert()), Optional.empty(), Optional.empty());
            try (Connection c = new NatsConnector(s).connect("t", Duration.ofSeconds(5))) {
                assertJetStreamWorks(c);
            }
            NatsSettings wrongCa = settings(url, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.of(other.caCert()), Optional.empty(), Optional.empty());
            assertThatThrownBy(() -> new NatsConnector(wrongCa).connect("t", Duration.ofSeconds(3)))
                    .isInstanceOf(NatsUnavailableException.class);
        }
    }

    @Test
    void connectionNameSaysWhichProcessAndRole() throws Exception {
        try (NatsServerFixture nats = NatsServerFixture.start();
             Connection c = new NatsConnector(nats.settings()).connect("gateway", Duration.ofSeconds(5))) {
            assertThat(c.getOptions().getConnectionName())
                    .startsWith("orgctl-gateway@").endsWith("/pid-" + ProcessHandle.current().pid());
            assertThat(c.getOptions().getMaxReconnect()).isEqualTo(-1);
        }
    }

    @Test
    void unreachableServerIsOneClearError() {
        assertThatThrownBy(() -> new NatsConnector(NatsSettings.plain("nats://user:hunter2@127.0.0.1:1"))
                .connect("t", Duration.ofSeconds(2)))
                .isInstanceOf(NatsUnavailableException.class)
                .hasMessageContaining("127.0.0.1:1")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }
}
