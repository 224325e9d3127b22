package dev.orgctl.hosts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.config.Secret;
import dev.orgctl.config.WebhookSecrets;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {
    /** The test values of GitHub's "Validating webhook deliveries". */
    @Test
    void matchesGitHubsDocumentedExample() {
        byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);
        String sig = WebhookSigner.sign(body, Secret.of("It's a Secret to Everybody"));
        assertThat(sig).isEqualTo("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
    }

    @Test
    void verifiesWithAnyRotatedSecretAndRefusesTampering() {
        byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        WebhookSecrets secrets = new WebhookSecrets(List.of(Secret.of("new"), Secret.of("old")));
        assertThat(WebhookSigner.verify(body, WebhookSigner.sign(body, Secret.of("old")), secrets)).isTrue();
        assertThat(WebhookSigner.verify(body, WebhookSigner.sign(body, Secret.of("new")), secrets)).isTrue();
        assertThat(WebhookSigner.verify(body, WebhookSigner.sign(body, Secret.of("other")), secrets)).isFalse();
        byte[] tampered = "{\"a\":2}".getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookSigner.verify(tampered, WebhookSigner.sign(body, Secret.of("new")), secrets)).isFalse();
        assertThat(WebhookSigner.verify(body, null, secrets)).isFalse();
        assertThat(WebhookSigner.verify(body, "sha1=abc", secrets)).isFalse();
        assertThat(WebhookSigner.verify(body, "sha256=zz" + "0".repeat(62), secrets)).isFalse();
    }
}
