package dev.orgctl.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.config.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class SignaturesTest {
    /** GitHub docs, "Validating webhook deliveries", section "Testing the webhook payload validation". */
    static final String DOC_SECRET = "It's a Secret to Everybody";
    static final byte[] DOC_PAYLOAD = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    static final String DOC_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    @Test
    void signsGitHubsDocumentedTestVector() {
        assertThat(Signatures.sign(Secret.of(DOC_SECRET), DOC_PAYLOAD)).isEqualTo(DOC_SIGNATURE);
    }

    @Test
    void verifiesGitHubsDocumentedTestVector() {
        Signatures s = new Signatures(GatewayHarness.secrets(DOC_SECRET));
        assertThat(s.verify(DOC_PAYLOAD, DOC_SIGNATURE, null)).isEqualTo(Signatures.Verdict.VALID);
        // Hex case does not matter; the digest does.
        assertThat(s.verify(DOC_PAYLOAD, DOC_SIGNATURE.toUpperCase(Locale.ROOT).replace("SHA256=", "sha256="), null))
                .isEqualTo(Signatures.Verdict.VALID);
    }

    @Test
    void refusesAnyChangeToBodySecretOrSignature() {
        Signatures s = new Signatures(GatewayHarness.secrets(DOC_SECRET));
        assertThat(s.verify("Hello, World?".getBytes(StandardCharsets.UTF_8), DOC_SIGNATURE, null))
                .isEqualTo(Signatures.Verdict.MISMATCH);
        assertThat(new Signatures(GatewayHarness.secrets("It's a secret to everybody")).verify(DOC_PAYLOAD, DOC_SIGNATURE, null))
                .isEqualTo(Signatures.Verdict.MISMATCH);
        String flipped = DOC_SIGNATURE.substring(0, DOC_SIGNATURE.length() - 1) + "8";
        assertThat(s.verify(DOC_PAYLOAD, flipped, null)).isEqualTo(Signatures.Verdict.MISMATCH);
    }

    @Test
    void refusesMalformedAndMissingSignatures() {
        Signatures s = new Signatures(GatewayHarness.secrets(DOC_SECRET));
        String hex = DOC_SIGNATURE.substring("sha256=".length());
        assertThat(s.verify(DOC_PAYLOAD, hex, null)).isEqualTo(Signatures.Verdict.MALFORMED);
        assertThat(s.verify(DOC_PAYLOAD, "sha1=" + hex, null)).isEqualTo(Signatures.Verdict.MALFORMED);
        assertThat(s.verify(DOC_PAYLOAD, DOC_SIGNATURE.substring(0, 70), null)).isEqualTo(Signatures.Verdict.MALFORMED);
        assertThat(s.verify(DOC_PAYLOAD, "sha256=" + "zz" + hex.substring(2), null)).isEqualTo(Signatures.Verdict.MALFORMED);
        assertThat(s.verify(DOC_PAYLOAD, null, null)).isEqualTo(Signatures.Verdict.MISSING);
        assertThat(s.verify(DOC_PAYLOAD, "", null)).isEqualTo(Signatures.Verdict.MISSING);
    }

    @Test
    void legacySha1SignatureAloneIsNotEnough() {
        Signatures s = new Signatures(GatewayHarness.secrets(DOC_SECRET));
        assertThat(s.verify(DOC_PAYLOAD, null, "sha1=0123456789abcdef0123456789abcdef01234567"))
                .isEqualTo(Signatures.Verdict.LEGACY_ONLY);
    }

    @Test
    void everyConfiguredSecretVerifiesForRotation() {
        Signatures s = new Signatures(GatewayHarness.secrets("new-secret", "old-secret"));
        byte[] body = "{\"zen\":\"Keep it logically awesome.\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(s.verify(body, Signatures.sign(Secret.of("new-secret"), body), null)).isEqualTo(Signatures.Verdict.VALID);
        assertThat(s.verify(body, Signatures.sign(Secret.of("old-secret"), body), null)).isEqualTo(Signatures.Verdict.VALID);
        assertThat(s.verify(body, Signatures.sign(Secret.of("older-secret"), body), null))
                .isEqualTo(Signatures.Verdict.MISMATCH);
    }

    @Test
    void utf8SecretsAreKeyedAsUtf8() {
        // GitHub keys the HMAC with the secret's UTF-8 bytes; a non-ASCII secret must verify like any other.
        Signatures s = new Signatures(GatewayHarness.secrets("sécret-ü"));
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        javax.crypto.Mac mac;
        try {
            mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec("sécret-ü".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        String expected = "sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(body));
        assertThat(s.verify(body, expected, null)).isEqualTo(Signatures.Verdict.VALID);
    }
}
