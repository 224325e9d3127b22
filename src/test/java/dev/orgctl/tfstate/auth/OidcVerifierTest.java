package dev.orgctl.tfstate.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.orgctl.testing.SkippingClock;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GitHub Actions OIDC tokens against a real issuer on loopback, serving keys this test generated. */
class OidcVerifierTest {
    private static final Instant NOW = Instant.parse("2026-12-04T18:00:00Z");

    private TestIssuer issuer;
    private RSAKey key;
    private SkippingClock clock;
    private OidcVerifier verifier;
    private final List<String> tokensUsed = new ArrayList<>();

    @BeforeEach
    void start() {
        issuer = TestIssuer.start();
        key = TestIssuer.newKey("k1");
        issuer.publish(key);
        clock = SkippingClock.fixedAt(NOW);
        verifier = new OidcVerifier(issuer.uri(), "orgctl", OidcVerifier.Options.defaults(), clock);
    }

    @AfterEach
    void stop() {
        issuer.close();
    }

    private OidcVerifier.Result verify(String token) {
        tokensUsed.add(token);
        return verifier.verify(token);
    }

    private String refusal(String token) {
        OidcVerifier.Result r = verify(token);
        assertThat(r).isInstanceOf(OidcVerifier.Refused.class);
        String reason = ((OidcVerifier.Refused) r).reason();
        assertNoTokenIn(reason);
        return reason;
    }

    private OidcVerifier.Unavailable unavailable(String token) {
        OidcVerifier.Result r = verify(token);
        assertThat(r).isInstanceOf(OidcVerifier.Unavailable.class);
        OidcVerifier.Unavailable u = (OidcVerifier.Unavailable) r;
        assertNoTokenIn(u.reason());
        assertNoTokenIn(u.cause());
        assertThat(u.reason()).isEqualTo("the OIDC issuer " + issuer.url() + " could not be reached for its keys; "
                + "try again");
        return u;
    }

    private void assertNoTokenIn(String text) {
        for (String t : tokensUsed) {
            for (String part : t.split("\\.")) {
                if (part.length() >= 8) {
                    assertThat(text).as("a reason never quotes the token").doesNotContain(part);
                }
            }
        }
    }

    @Test
    void aValidTokenGivesItsClaimsAndTheKeysAreFetchedOnceThenCached() {
        OidcVerifier.Result r = verify(issuer.token(key, NOW, c -> c));

        assertThat(r).isInstanceOf(OidcVerifier.Verified.class);
        OidcVerifier.Verified v = (OidcVerifier.Verified) r;
        assertThat(v.subject()).isEqualTo("repo:acme/infra:ref:refs/heads/main");
        assertThat(v.claims()).containsEntry("repository", "acme/infra").containsEntry("ref", "refs/heads/main")
                .containsEntry("run_id", "9876543210").containsEntry("run_attempt", "2")
                .containsEntry("job_workflow_ref", "acme/infra/.github/workflows/terraform.yml@refs/heads/main")
                .doesNotContainKey("run_number");
        assertThat(verify(issuer.token(key, NOW, c -> c.claim("ref", "refs/heads/other"))))
                .isInstanceOf(OidcVerifier.Verified.class);
        assertThat(issuer.jwksFetches()).isEqualTo(1);
    }

    @Test
    void anExpiredTokenIsRefusedButASmallClockSkewIsTolerated() {
        String expired = issuer.token(key, NOW.minus(Duration.ofMinutes(10)), c -> c);
        assertThat(refusal(expired)).isEqualTo("the OIDC token has expired");

        String justExpired = issuer.token(key, NOW.minusSeconds(300 + 10), c -> c);
        assertThat(verify(justExpired)).as("10 s past exp, within the skew").isInstanceOf(OidcVerifier.Verified.class);
        clock.skip(OidcVerifier.CLOCK_SKEW);
        assertThat(refusal(justExpired)).isEqualTo("the OIDC token has expired");
    }

    @Test
    void aTokenNotValidYetIsRefused() {
        String future = issuer.token(key, NOW.plus(Duration.ofMinutes(5)), c -> c);
        assertThat(refusal(future)).isEqualTo("the OIDC token is not valid yet");
    }

    @Test
    void aTokenForAnotherAudienceIsRefused() {
        assertThat(refusal(issuer.token(key, NOW, c -> c.audience("sts.amazonaws.com"))))
                .isEqualTo("the OIDC token is for another audience (expected aud orgctl)");
        assertThat(refusal(issuer.token(key, NOW, c -> c.audience(List.of()))))
                .startsWith("the OIDC token is for another audience");
    }

    @Test
    void aTokenFromAnotherIssuerIsRefusedWithoutFetchingKeys() {
        String other = issuer.token(key, NOW, c -> c.issuer("https://token.actions.githubusercontent.com"));
        assertThat(refusal(other)).isEqualTo("the OIDC token is from another issuer (expected " + issuer.url() + ")");
        assertThat(issuer.jwksFetches()).isZero();
    }

    @Test
    void anUnknownKeyIdRefreshesTheKeysOnceThenIsRefusedWithoutFetchingAgain() {
        assertThat(verify(issuer.token(key, NOW, c -> c))).isInstanceOf(OidcVerifier.Verified.class);
        assertThat(issuer.jwksFetches()).isEqualTo(1);

        RSAKey stranger = TestIssuer.newKey("k-unknown");
        assertThat(refusal(issuer.token(stranger, NOW, c -> c))).contains("signature does not verify");
        assertThat(issuer.jwksFetches()).as("the unknown key id made the verifier look again").isEqualTo(2);

        RSAKey another = TestIssuer.newKey("k-unknown-2");
        assertThat(refusal(issuer.token(another, NOW, c -> c)))
                .isEqualTo("the OIDC token's key id is not among the issuer's keys (fetched again recently)");
        assertThat(refusal(issuer.token(stranger, NOW, c -> c))).contains("key id is not among the issuer's keys");
        assertThat(issuer.jwksFetches()).as("further unknown key ids are refused without a fetch").isEqualTo(2);
        assertThat(verify(issuer.token(key, NOW, c -> c))).as("the known key still works from the cache")
                .isInstanceOf(OidcVerifier.Verified.class);
    }

    @Test
    void aRotatedKeyIsPickedUpByTheRefreshItsKeyIdTriggers() {
        assertThat(verify(issuer.token(key, NOW, c -> c))).isInstanceOf(OidcVerifier.Verified.class);
        RSAKey rotated = TestIssuer.newKey("k2");
        issuer.publish(rotated);

        assertThat(verify(issuer.token(rotated, NOW, c -> c))).isInstanceOf(OidcVerifier.Verified.class);
        assertThat(issuer.jwksFetches()).isEqualTo(2);
    }

    @Test
    void onlyRs256SignaturesByTheIssuersKeyCount() {
        String rs512 = TestIssuer.sign(key, JWSAlgorithm.RS512, issuer.claims("acme/infra", "refs/heads/main", NOW)
                .build());
        assertThat(refusal(rs512)).contains("signature does not verify");

        String good = issuer.token(key, NOW, c -> c);
        String[] parts = good.split("\\.");
        String forged = issuer.token(key, NOW, c -> c.claim("repository", "acme/prod"));
        String swapped = forged.split("\\.")[0] + "." + forged.split("\\.")[1] + "." + parts[2];
        assertThat(refusal(swapped)).contains("signature does not verify");

        RSAKey impostor = TestIssuer.newKey("k1");
        assertThat(refusal(issuer.token(impostor, NOW, c -> c))).contains("signature does not verify");
    }

    @Test
    void anUnsignedTokenOrOneMacedWithTheIssuersPublicKeyIsRefused() throws Exception {
        JWTClaimsSet claims = issuer.claims("acme/infra", "refs/heads/main", NOW).build();
        assertThat(refusal(new PlainJWT(claims).serialize())).contains("not a signed JWT");

        // the classic confusion: HMAC keyed with the RSA public key, which anyone can download
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), claims);
        hs.sign(new MACSigner(key.toRSAPublicKey().getEncoded()));
        assertThat(refusal(hs.serialize())).contains("signature does not verify");
    }

    @Test
    void somethingThatIsNotAJwtIsRefused() {
        assertThat(refusal("hunter2")).contains("not a signed JWT");
        assertThat(refusal("a.b.c")).contains("not a signed JWT");
    }

    @Test
    void aTokenWithoutTheRunClaimsIsRefused() {
        assertThat(refusal(issuer.token(key, NOW, c -> c.claim("run_id", null))))
                .startsWith("the OIDC token lacks claims");
    }

    @Test
    void anIssuerWhoseDiscoveryDocumentNamesAnotherIssuerGivesNoKeys() {
        issuer.discoveryNames("https://evil.example");
        assertThat(unavailable(issuer.token(key, NOW, c -> c)).cause())
                .contains("discovery document names another issuer");
        assertThat(issuer.jwksFetches()).isZero();
    }

    @Test
    void aStoppedIssuerMakesTheTokenUnavailableNotRefusedWithTheConnectionFailureAsCause() {
        String token = issuer.token(key, NOW, c -> c);
        issuer.close();

        OidcVerifier.Unavailable u = unavailable(token);
        assertThat(u.cause()).contains("discovery document could not be read").contains("ConnectException");
        assertThat(u.retryAfter()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void anIssuerThatTakesTheConnectionButNeverAnswersIsUnavailableAfterTheHttpTimeout() throws Exception {
        // a listening socket nobody accepts from: the kernel completes the handshake, no answer ever comes
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            URI url = URI.create("http://127.0.0.1:" + silent.getLocalPort());
            OidcVerifier v = new OidcVerifier(url, "orgctl", new OidcVerifier.Options(Duration.ofMinutes(15),
                    Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMillis(300)), clock);

            OidcVerifier.Result r = v.verify(issuer.token(key, NOW, c -> c.issuer(url.toString())));

            assertThat(r).isInstanceOf(OidcVerifier.Unavailable.class);
            assertThat(((OidcVerifier.Unavailable) r).cause()).contains("SocketTimeoutException");
        }
    }

    @Test
    void anIssuerAnswering500ForItsKeysMakesTheTokenUnavailable() {
        issuer.answerJwksWith(500);

        assertThat(unavailable(issuer.token(key, NOW, c -> c)).cause()).contains("500");
        assertThat(issuer.jwksFetches()).isEqualTo(1);
    }

    @Test
    void aFailedFetchIsNotKeptTheIssuerBackMeansTheNextTokenVerifies() {
        String token = issuer.token(key, NOW, c -> c);
        issuer.close();
        unavailable(token);

        issuer.restart();
        assertThat(verify(token)).as("fetched again at once, not after the 15 min the keys are kept")
                .isInstanceOf(OidcVerifier.Verified.class);
        assertThat(issuer.jwksFetches()).isEqualTo(1);
    }

    @Test
    void fetchesRefusedByTheRateLimitWhileTheIssuerFailsAreUnavailableToo() {
        String token = issuer.token(key, NOW, c -> c);
        issuer.answerJwksWith(503);
        unavailable(token);
        unavailable(token);
        assertThat(issuer.jwksFetches()).as("two fetches per rate-limit interval").isEqualTo(2);

        issuer.answerJwksWith(200);
        OidcVerifier.Unavailable limited = unavailable(token);
        assertThat(limited.cause()).as("the last fetch's failure, not the rate limit").contains("503");
        RSAKey stranger = TestIssuer.newKey("k-unknown");
        unavailable(issuer.token(stranger, NOW, c -> c));
        assertThat(issuer.jwksFetches()).as("no fetch past the limit, outage or not").isEqualTo(2);
    }

    @Test
    void onceTheRateLimitIntervalIsOverTheIssuerIsAskedAgain() {
        OidcVerifier quick = new OidcVerifier(issuer.uri(), "orgctl", new OidcVerifier.Options(Duration.ofMinutes(15),
                Duration.ofSeconds(15), Duration.ofMillis(300), Duration.ofSeconds(5)), clock);
        String token = issuer.token(key, NOW, c -> c);
        issuer.answerJwksWith(500);
        for (int i = 0; i < 3; i++) {
            assertThat(quick.verify(token)).isInstanceOf(OidcVerifier.Unavailable.class);
        }
        issuer.answerJwksWith(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> quick.verify(token),
                r -> r instanceof OidcVerifier.Verified);
    }
}
