package dev.orgctl.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.config.ConfigException;
import dev.orgctl.config.Secret;
import dev.orgctl.config.WebhookSecrets;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

public class SignaturesTest {
    /** GitHub docs, "Validating webhook deliveries", section "Testing the webhook payload validation". */
    public static final String DOC_SECRET = "It's a Secret to Everybody";
    public static final byte[] DOC_PAYLOAD = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    public static final String DOC_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    @Test
    void signsGitHubsDocumentedTestVector() {
        assertThat(Signatures.sign(Secret.of(DOC_SECRET), DOC_PAYLOAD)).isEqualTo(DOC_SIGNATURE);
    }

    @Test
    void verifiesGitHubsDocumentedTestVector() {
        Signatures s = new Signatures(secrets(DOC_SECRET));
        assertThat(s.verify(DOC_PAYLOAD, DOC_SIGNATURE, null)).isEqualTo(Signatures.Verdict.VALID);
        // Hex case does not matter; the digest does.
        assertThat(s.verify(DOC_PAYLOAD, DOC_SIGNATURE.toUpperCase(java.util.Locale.ROOT).replace("SHA256=", "sha256="), null))
                .isEqualTo(Signatures.Verdict.VALID);
    }

    @Test
    void refusesAnyChangeToBodySecretOrSignature() {
        Signatures s = new Signatures(secrets(DOC_SECRET));
        assertThat(s.verify("Hello, World?".getBytes(StandardCharsets.UTF_8), DOC_SIGNATURE, null))
                .isEqualTo(Signatures.Verdict.MISMATCH);
        assertThat(new Signatures(secrets("It's a secret to everybody")).verify(DOC_PAYLOAD, DOC_SIGNATURE, null))
                .isEqualTo(Signatures.Verdict.MISMATCH);
        String flipped = DOC_SIGNATURE.substring(0, DOC_SIGNATURE.length() - 1) + "8";
        assertThat(s.verify(DOC_PAYLOAD, flipped, null)).isEqualTo(Signatures.Verdict.MISMATCH);
    }

    @Test
    void refusesMalformedAndMissingSignatures() {
        Signatures s = new Signatures(secrets(DOC_SECRET));
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
        Signatures s = new Signatures(secrets(DOC_SECRET));
        assertThat(s.verify(DOC_PAYLOAD, null, "sha1=0123456789abcdef0123456789abcdef01234567"))
                .isEqualTo(Signatures.Verdict.LEGACY_ONLY);
    }

    @Test
    void everyConfiguredSecretVerifiesForRotation() {
        Signatures s = new Signatures(secrets("new-secret", "old-secret"));
        byte[] body = "{\"zen\":\"Keep it logically awesome.\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(s.verify(body, Signatures.sign(Secret.of("new-secret"), body), null)).isEqualTo(Signatures.Verdict.VALID);
        assertThat(s.verify(body, Signatures.sign(Secret.of("old-secret"), body), null)).isEqualTo(Signatures.Verdict.VALID);
        assertThat(s.verify(body, Signatures.sign(Secret.of("older-secret"), body), null))
                .isEqualTo(Signatures.Verdict.MISMATCH);
    }

    @Test
    void utf8SecretsAreKeyedAsUtf8() {
        // GitHub keys the HMAC with the secret's UTF-8 bytes; a non-ASCII secret must verify like any other.
        Signatures s = new Signatures(secrets("sécret-ü"));
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

    @Test
    void refusesTamperedBodiesAndSignaturesOfOtherSecrets() {
        // Folded in from the git backend's former signer test: the same checks, now on the one class.
        byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        Signatures s = new Signatures(secrets("new", "old"));
        assertThat(s.verify(body, Signatures.sign(Secret.of("other"), body), null)).isEqualTo(Signatures.Verdict.MISMATCH);
        byte[] tampered = "{\"a\":2}".getBytes(StandardCharsets.UTF_8);
        assertThat(s.verify(tampered, Signatures.sign(Secret.of("new"), body), null)).isEqualTo(Signatures.Verdict.MISMATCH);
        assertThat(s.verify(body, "sha1=abc", null)).isEqualTo(Signatures.Verdict.MALFORMED);
        assertThat(s.verify(body, "sha256=zz" + "0".repeat(62), null)).isEqualTo(Signatures.Verdict.MALFORMED);
    }

    @Test
    void anEmptySecretIsRefusedClearlyWhenSigningAndWhenVerifying() {
        // GitHub never signs with an empty secret; the git backend's old signer silently signed with one.
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Signatures.sign(Secret.of(""), body))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("webhook secret is empty")
                .hasMessageContaining("GITHUB_WEBHOOK_SECRET")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> new Signatures(secrets("good", "")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("webhook secret is empty");
    }

    @Test
    void noSecretsAtAllVerifiesNothing() {
        // No secret configured (the gateway's insecure mode) is not an empty secret: nothing is valid.
        Signatures s = new Signatures(new WebhookSecrets(List.of()));
        assertThat(s.verify(DOC_PAYLOAD, DOC_SIGNATURE, null)).isEqualTo(Signatures.Verdict.MISMATCH);
    }

    private static WebhookSecrets secrets(String... values) {
        return new WebhookSecrets(Arrays.stream(values).map(Secret::of).toList());
    }
}
