package dev.orgctl.tfstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.jwk.RSAKey;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.tfstate.auth.GitHubStateAuth;
import dev.orgctl.tfstate.auth.OidcVerifier;
import dev.orgctl.tfstate.auth.StatePolicy;
import dev.orgctl.tfstate.auth.TestIssuer;
import dev.orgctl.tfstate.auth.TokenStore;
import io.micrometer.core.instrument.Counter;
import io.nats.client.Connection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * GitHub Actions OIDC tokens over HTTP while the issuer is away: the real authentication, a real
 * issuer on loopback that stops and comes back, the gateway on a real nats-server, and the real
 * {@code terraform} riding out the outage. The rate-limit interval is 2 s here, so the answers ask
 * for a retry after 1 s (15 s with the default 30 s, which {@code OidcVerifierTest} shows).
 */
class TfstateOidcOutageTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final OidcVerifier.Options OPTIONS = new OidcVerifier.Options(Duration.ofMinutes(15),
            Duration.ofSeconds(15), Duration.ofSeconds(2), Duration.ofSeconds(5));

    @TempDir
    Path dir;
    private TestIssuer issuer;
    private RSAKey key;
    private Connection connection;
    private TfstateServer server;
    private TokenStore tokens;
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger handlerLog = (Logger) LoggerFactory.getLogger(TfstateHandler.class);

    @BeforeEach
    void start() throws Exception {
        issuer = TestIssuer.start();
        key = TestIssuer.newKey("k1");
        issuer.publish(key);
        Path yaml = Files.writeString(dir.resolve("orgctl.yaml"), """
                tfstate:
                  policy:
                    - claims: { repository: acme/infra }
                      states: ["prod/*"]
                      access: write
                """);
        NatsServerFixture nats = NatsServerFixture.start().withTopology();
        connection = nats.connect();
        tokens = new TokenStore(connection.keyValue(Topology.TFSTATE_TOKENS_BUCKET), Clock.systemUTC(),
                new SecureRandom());
        GitHubStateAuth auth = new GitHubStateAuth(new OidcVerifier(URI.create(issuer.url()), "orgctl",
                OPTIONS, Clock.systemUTC()), StatePolicy.read(yaml), tokens);
        server = new TfstateServer(nats, new TfstateSettings(5, 1024 * 1024, 2, Duration.ofHours(1), Optional.empty()),
                auth, Clock.systemUTC());
        logged.start();
        handlerLog.addAppender(logged);
    }

    @AfterEach
    void stop() throws InterruptedException {
        handlerLog.detachAppender(logged);
        server.close();
        connection.close();
        issuer.close();
    }

    private HttpResponse<String> get(String name, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(server.url(name)).header("Authorization", TestStateAuth.basic(token))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void whileTheIssuerIsDownATokenIsAnswered503WithRetryAfterAndOnceItIsBackAsUsual() throws Exception {
        String token = issuer.token(key, Instant.now(), c -> c);
        issuer.close();

        HttpResponse<String> away = get("prod/network", token);

        assertThat(away.statusCode()).isEqualTo(503);
        assertThat(away.headers().firstValue("Retry-After")).contains("1");
        assertThat(away.headers().firstValue("WWW-Authenticate")).as("not a challenge: the token is not refused")
                .isEmpty();
        assertThat(away.body()).contains("the OIDC issuer " + issuer.url() + " could not be reached");
        assertNoPartOf(token, away.body());
        assertThat(server.registry.scrape())
                .contains("orgctl_tfstate_requests_total{method=\"GET\",outcome=\"issuer_unavailable\"} 1.0");

        List<ILoggingEvent> warnings = logged.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertThat(warnings).as("one warning per request").hasSize(1);
        String line = warnings.get(0).getFormattedMessage() + " " + warnings.get(0).getKeyValuePairs();
        assertThat(line).contains(issuer.url()).contains("ConnectException");
        assertNoPartOf(token, line);

        issuer.restart();
        assertThat(get("prod/network", token).statusCode()).as("no state yet, as usual").isEqualTo(404);
        assertThat(get("dev/network", token).statusCode()).isEqualTo(403);
    }

    @Test
    void terraformWaitsWhatRetryAfterSaysAndSucceedsOnceTheIssuerIsBack() throws Exception {
        Assumptions.assumeTrue(Terraform.binary().isPresent(), "no terraform binary on PATH");
        Terraform tf = new Terraform(Files.createDirectory(dir.resolve("tf")), server.url("prod/network"),
                issuer.token(key, Instant.now(), c -> c));
        issuer.close();

        // TF_HTTP_RETRY_WAIT_MIN is 0: only Retry-After keeps the retries from all landing in the outage
        Process init = tf.start("init", "-no-color");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> answered("issuer_unavailable"), n -> n >= 1);
        issuer.restart();

        assertThat(init.waitFor(60, TimeUnit.SECONDS)).as("terraform init finished").isTrue();
        String output = new String(init.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(init.exitValue()).as(output).isZero();
        assertThat(answered("not_found")).as("the retry got the usual answer").isEqualTo(1);
    }

    private double answered(String outcome) {
        Counter c = server.registry.find("orgctl.tfstate.requests").tag("method", "GET").tag("outcome", outcome)
                .counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void withTheIssuerUpABadTokenIsStill401() throws Exception {
        String expired = issuer.token(key, Instant.now().minusSeconds(3600), c -> c);
        HttpResponse<String> refused = get("prod/network", expired);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("Retry-After")).isEmpty();

        RSAKey stranger = TestIssuer.newKey("k-unknown");
        assertThat(get("prod/network", issuer.token(stranger, Instant.now(), c -> c)).statusCode()).isEqualTo(401);
    }

    @Test
    void anOrgctlTokenThatCannotBeLookedUpWhileJetStreamIsAwayIs503WithRetryAfter() throws Exception {
        TokenStore.Issued issued = (TokenStore.Issued) tokens.create("ci", List.of("prod/*"), true, "me@here");
        assertThat(get("prod/network", issued.token()).statusCode()).isEqualTo(404);
        server.nats.stop();

        HttpResponse<String> away = get("prod/network", issued.token());

        assertThat(away.statusCode()).isEqualTo(503);
        assertThat(away.headers().firstValue("Retry-After")).isPresent();
        assertThat(away.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertNoPartOf(issued.token().substring(issued.token().indexOf('.') + 1), away.body());
        assertThat(server.registry.scrape())
                .contains("orgctl_tfstate_requests_total{method=\"GET\",outcome=\"unavailable\"} 1.0");
    }

    private static void assertNoPartOf(String token, String text) {
        for (String part : token.split("\\.")) {
            assertThat(text).doesNotContain(part);
        }
    }
}
