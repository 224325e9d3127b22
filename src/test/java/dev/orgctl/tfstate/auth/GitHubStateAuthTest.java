package dev.orgctl.tfstate.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.jwk.RSAKey;
import dev.orgctl.testing.SharedNats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The backend's authentication end to end below HTTP: the Authorization header Terraform sends, a
 * real issuer, the policy from a real orgctl.yaml, tokens in a real bucket.
 */
class GitHubStateAuthTest {
    @RegisterExtension
    static final SharedNats NATS = SharedNats.withTopology();

    @TempDir
    Path dir;
    private TestIssuer issuer;
    private RSAKey key;
    private TokenStore tokens;
    private GitHubStateAuth auth;

    @BeforeEach
    void start() throws Exception {
        issuer = TestIssuer.start();
        key = TestIssuer.newKey("k1");
        issuer.publish(key);
        tokens = new TokenStore(TokenStoreTest.emptyTokenBucket(NATS.connection()), Clock.systemUTC(),
                new SecureRandom());
        Path yaml = Files.writeString(dir.resolve("orgctl.yaml"), """
                tfstate:
                  policy:
                    - claims: { repository: acme/infra, ref: refs/heads/main }
                      states: ["prod/*"]
                      access: write
                    - claims: { repository: acme/infra }
                      states: ["prod/*"]
                      access: read
                """);
        auth = new GitHubStateAuth(new OidcVerifier(issuer.uri(), "orgctl", OidcVerifier.Options.defaults(),
                Clock.systemUTC()), StatePolicy.read(yaml), tokens);
    }

    @AfterEach
    void stop() {
        issuer.close();
    }

    private static Optional<String> basic(String user, String password) {
        return Optional.of("Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8)));
    }

    private Caller authenticated(Optional<String> header) {
        AuthOutcome o = auth.authenticate(header);
        assertThat(o).isInstanceOf(AuthOutcome.Authenticated.class);
        return ((AuthOutcome.Authenticated) o).caller();
    }

    private String unauthenticated(Optional<String> header) {
        AuthOutcome o = auth.authenticate(header);
        assertThat(o).isInstanceOf(AuthOutcome.Unauthenticated.class);
        return ((AuthOutcome.Unauthenticated) o).reason();
    }

    @Test
    void withoutCredentialsOrWithOtherThanBasicTheAnswerIs401() {
        assertThat(unauthenticated(Optional.empty())).isEqualTo(GitHubStateAuth.NO_CREDENTIALS);
        assertThat(unauthenticated(basic("terraform", ""))).isEqualTo(GitHubStateAuth.NO_CREDENTIALS);
        assertThat(unauthenticated(Optional.of("Bearer abc"))).startsWith("expected HTTP basic credentials");
        assertThat(unauthenticated(Optional.of("Basic !!!"))).contains("not valid base64");
    }

    @Test
    void aGitHubActionsTokenOfTheMainBranchMayWriteProdAndCarriesItsRun() {
        Caller c = authenticated(basic("anything", issuer.token(key, Instant.now(), b -> b)));

        assertThat(c.kind()).isEqualTo("oidc");
        assertThat(c.subject()).isEqualTo("repo:acme/infra:ref:refs/heads/main");
        assertThat(c.run()).contains(new Caller.GitHubRun("acme/infra", 9876543210L, 2));
        assertThat(auth.allows(c, "prod/network", Access.WRITE)).isTrue();
        assertThat(auth.allows(c, "dev/network", Access.READ)).isFalse();
    }

    @Test
    void anotherBranchMayOnlyReadAndAnotherRepositoryIsAuthenticatedButRefused() {
        Caller feature = authenticated(basic("x", issuer.token(key, Instant.now(),
                b -> b.claim("ref", "refs/heads/feature"))));
        assertThat(auth.allows(feature, "prod/network", Access.READ)).isTrue();
        assertThat(auth.allows(feature, "prod/network", Access.WRITE)).isFalse();

        Caller other = authenticated(basic("x", issuer.token(key, Instant.now(),
                b -> b.claim("repository", "acme/app").claim("repository_owner", "acme"))));
        assertThat(auth.allows(other, "prod/network", Access.READ)).as("403: no rule for acme/app").isFalse();
    }

    @Test
    void anOidcTokenThatDoesNotVerifyIs401WithAReasonAndNeverTheToken() {
        String expired = issuer.token(key, Instant.now().minusSeconds(3600), b -> b);
        String reason = unauthenticated(basic("x", expired));
        assertThat(reason).isEqualTo("the OIDC token has expired");
        String wrongAudience = issuer.token(key, Instant.now(), b -> b.audience("sts.amazonaws.com"));
        assertThat(unauthenticated(basic("x", wrongAudience))).contains("another audience");
    }

    @Test
    void anOidcTokenWhileTheIssuerIsDownIsUnavailableNotUnauthenticated() {
        String token = issuer.token(key, Instant.now(), b -> b);
        issuer.close();

        AuthOutcome o = auth.authenticate(basic("x", token));

        assertThat(o).isInstanceOf(AuthOutcome.Unavailable.class);
        AuthOutcome.Unavailable u = (AuthOutcome.Unavailable) o;
        assertThat(u.reason()).contains(issuer.url()).contains("try again");
        assertThat(u.retryAfter()).isEqualTo(OidcVerifier.Options.defaults().retryAfter());
        for (String part : token.split("\\.")) {
            assertThat(u.reason() + u.cause()).doesNotContain(part);
        }
    }

    @Test
    void anOrgctlTokenIsAuthenticatedByItsHashAndAllowedOnlyItsScope() {
        TokenStore.Issued issued = (TokenStore.Issued) tokens.create("laptop", List.of("dev/**"), false, "me@here");
        Caller c = authenticated(basic("ignored", issued.token()));

        assertThat(c).isEqualTo(new Caller("token", "laptop", java.util.Map.of(), Optional.empty()));
        assertThat(auth.allows(c, "dev/a/b", Access.READ)).isTrue();
        assertThat(auth.allows(c, "dev/a/b", Access.WRITE)).isFalse();
        assertThat(auth.allows(c, "prod/network", Access.READ)).isFalse();

        String t = issued.token();
        String mistyped = t.substring(0, t.length() - 2) + (t.endsWith("xx") ? "yy" : "xx");
        String reason = unauthenticated(basic("x", mistyped));
        assertThat(reason).isEqualTo(GitHubStateAuth.BAD_TOKEN).doesNotContain("laptop");
    }

    @Test
    void aRevokedTokenIsRefusedAtOnceEvenForACallerAuthenticatedBefore() {
        TokenStore.Issued issued = (TokenStore.Issued) tokens.create("ci", List.of("prod/*"), true, "me@here");
        Caller c = authenticated(basic("x", issued.token()));

        assertThat(tokens.revoke("ci")).isTrue();

        assertThat(auth.allows(c, "prod/network", Access.WRITE)).isFalse();
        assertThat(unauthenticated(basic("x", issued.token()))).isEqualTo(GitHubStateAuth.BAD_TOKEN);
    }

    @Test
    void nothingLoggedEvenAtDebugContainsACredentialOrAPartOfOne() {
        Logger logger = (Logger) LoggerFactory.getLogger("dev.orgctl.tfstate");
        Level before = logger.getLevel();
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        logger.setLevel(Level.DEBUG);
        List<String> secrets = new ArrayList<>();
        try {
            TokenStore.Issued issued = (TokenStore.Issued) tokens.create("ci", List.of("prod/*"), true, "me@here");
            String jwt = issuer.token(key, Instant.now(), b -> b);
            String expired = issuer.token(key, Instant.now().minusSeconds(3600), b -> b);
            secrets.add(issued.token().substring(issued.token().indexOf('.') + 1));
            for (String t : List.of(jwt, expired)) {
                secrets.addAll(List.of(t.split("\\.")));
            }
            for (String password : List.of(issued.token(), issued.token() + "x", jwt, expired)) {
                AuthOutcome o = auth.authenticate(basic("x", password));
                if (o instanceof AuthOutcome.Authenticated a) {
                    auth.allows(a.caller(), "prod/network", Access.WRITE);
                    auth.allows(a.caller(), "dev/network", Access.WRITE);
                }
            }
        } finally {
            logger.detachAppender(logged);
            logger.setLevel(before);
        }
        assertThat(logged.list).as("authorization decisions are logged").hasSizeGreaterThanOrEqualTo(4);
        for (ILoggingEvent e : logged.list) {
            String text = e.getFormattedMessage() + " " + e.getKeyValuePairs();
            for (String secret : secrets) {
                assertThat(text).doesNotContain(secret);
            }
        }
    }

    @Test
    void theRunOfAnOidcCallerIsEmptyWhenTheClaimsDoNotNameOne() {
        assertThat(GitHubStateAuth.run(java.util.Map.of("repository", "acme/infra", "run_id", "12")))
                .contains(new Caller.GitHubRun("acme/infra", 12, 0));
        assertThat(GitHubStateAuth.run(java.util.Map.of("repository", "acme/infra", "run_id", "x"))).isEmpty();
    }
}
