package dev.orgctl.hosts.github;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.orgctl.config.GitHubSettings;
import dev.orgctl.nats.PemTls;
import dev.orgctl.testing.SkippingClock;
import dev.orgctl.testing.github.AppKeys;
import dev.orgctl.testing.github.GitHubFake;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GitHub App authentication against the fake, which verifies the JWT's RS256 signature and claims. */
class AppCredentialsTest {
    private static final KeyPair KEY = AppKeys.generate();
    @TempDir
    Path dir;
    private GitHubFake fake;
    private Path pem;
    private long installation;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
        fake.createOrg("acme").createRepo("web");
        fake.createOrg("other").createRepo("secret");
        pem = AppKeys.writePkcs1(KEY, dir.resolve("orgctl.private-key.pem"));
        fake.registerApp(77, "orgctl-test", KEY.getPublic());
        installation = fake.installApp(77, "acme", Map.of("contents", "write", "metadata", "read"));
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private GitHubSettings settings(Optional<Long> installationId) {
        return new GitHubSettings(Optional.of("acme"), URI.create(fake.url()), Optional.empty(), Optional.of(77L),
                Optional.of(pem), installationId);
    }

    @Test
    void discoversTheInstallationAndCachesOneTokenForManyCalls() throws Exception {
        assertThat(Files.readString(pem)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        Credentials creds = GitHubClients.credentials(settings(Optional.empty()));
        assertThat(creds).isInstanceOf(AppCredentials.class);
        GitHubClient client = TestClients.client(fake, creds, WriteBudget.UNLIMITED);
        for (int i = 0; i < 3; i++) {
            assertThat(client.get("/repos/acme/web").json().path("full_name").asText()).isEqualTo("acme/web");
        }
        assertThat(((AppCredentials) creds).installationId()).contains(installation);
        assertThat(fake.jwtRequests()).isEqualTo(2); // GET /orgs/acme/installation, POST .../access_tokens
        assertThat(fake.installationTokensIssued()).isEqualTo(1);
        assertThat(((AppCredentials) creds).tokensIssued()).isEqualTo(1);
        // The installation token reaches only its org.
        assertThat(client.getIfExists("/repos/other/secret", false)).isEmpty();
        assertThat(creds.toString()).doesNotContain("ghs_");
    }

    @Test
    void renewsTheTokenBeforeItExpiresAndAfterARevocation() throws Exception {
        fake.setInstallationTokenTtl(Duration.ofSeconds(8));
        SkippingClock clock = SkippingClock.system();
        AppCredentials creds = new AppCredentials(77, PemTls.privateKey(pem), Optional.of(installation), "acme",
                Duration.ofSeconds(5), clock);
        GitHubClient client = TestClients.client(fake, creds, WriteBudget.UNLIMITED);
        client.get("/repos/acme/web");
        client.get("/repos/acme/web");
        assertThat(fake.installationTokensIssued()).isEqualTo(1);
        assertThat(fake.jwtRequests()).isEqualTo(1); // the installation id was given: no discovery

        clock.skip(Duration.ofMillis(3100)); // now less than 5 s of the 8 s token are left
        client.get("/repos/acme/web");
        assertThat(fake.installationTokensIssued()).isEqualTo(2);

        fake.revokeInstallationTokens();
        assertThat(client.get("/repos/acme/web").status()).isEqualTo(200); // 401, new token, retried once
        assertThat(fake.installationTokensIssued()).isEqualTo(3);
    }

    @Test
    void aWrongKeyIsRefusedWithAMessageAboutTheAppAndTheClock() {
        KeyPair other = AppKeys.generate();
        Path wrong = AppKeys.writePkcs1(other, dir.resolve("wrong.pem"));
        GitHubSettings s = new GitHubSettings(Optional.of("acme"), URI.create(fake.url()), Optional.empty(),
                Optional.of(77L), Optional.of(wrong), Optional.of(installation));
        GitHubClient client = TestClients.client(fake, GitHubClients.credentials(s), WriteBudget.UNLIMITED);
        GitHubApiException e = catchThrowableOfType(GitHubApiException.class, () -> client.get("/repos/acme/web"));
        assertThat(e.kind()).isEqualTo(GitHubApiException.Kind.BAD_CREDENTIALS);
        assertThat(e.getMessage()).contains("POST /app/installations/" + installation + "/access_tokens",
                "GITHUB_APP_PRIVATE_KEY_FILE", "clock").doesNotContain("eyJ");
    }

    @Test
    void theJwtFollowsGitHubsRules() throws Exception {
        java.time.Instant now = java.time.Instant.parse("2026-11-27T10:00:00Z");
        String jwt = AppJwt.create(77, PemTls.privateKey(pem), now);
        String payload = new String(java.util.Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), UTF_8);
        assertThat(payload).contains("\"iat\":" + (now.getEpochSecond() - 60), "\"exp\":" + (now.getEpochSecond() + 540),
                "\"iss\":\"77\"");
        assertThat(new String(java.util.Base64.getUrlDecoder().decode(jwt.split("\\.")[0]), UTF_8)).contains("RS256");
    }
}
