package dev.orgctl.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.config.Secret;
import dev.orgctl.config.WebhookSecrets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.constraints.UniqueElements;

/** Verification accepts exactly the bodies signed with one of the configured secrets. */
class SignaturesPropertyTest {

    @Property(tries = 500)
    void acceptsExactlyBodiesSignedWithAConfiguredSecret(
            @ForAll @Size(min = 1, max = 3) @UniqueElements List<@AlphaChars @NumericChars @StringLength(min = 1, max = 20) String> configured,
            @ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 20) String signer,
            @ForAll byte[] body) {
        Signatures signatures = new Signatures(new WebhookSecrets(configured.stream().map(Secret::of).toList()));
        String signature = Signatures.sign(Secret.of(signer), body);
        Signatures.Verdict v = signatures.verify(body, signature, null);
        assertThat(v == Signatures.Verdict.VALID).isEqualTo(configured.contains(signer));
    }

    @Property(tries = 300)
    void anyChangeToTheBodyOrTheSignatureIsRefused(
            @ForAll @AlphaChars @StringLength(min = 1, max = 20) String secret,
            @ForAll @Size(min = 1, max = 2000) byte[] body, @ForAll int position, @ForAll byte delta) {
        Signatures signatures = new Signatures(new WebhookSecrets(List.of(Secret.of(secret))));
        String signature = Signatures.sign(Secret.of(secret), body);
        assertThat(signatures.verify(body, signature, null)).isEqualTo(Signatures.Verdict.VALID);
        byte[] changed = body.clone();
        int i = Math.floorMod(position, body.length);
        changed[i] = (byte) (changed[i] + (delta == 0 ? 1 : delta));
        assertThat(signatures.verify(changed, signature, null)).isNotEqualTo(Signatures.Verdict.VALID);
        String hex = signature.substring("sha256=".length());
        int j = Math.floorMod(position, hex.length());
        String other = hex.substring(0, j) + (hex.charAt(j) == '0' ? '1' : '0') + hex.substring(j + 1);
        assertThat(signatures.verify(body, "sha256=" + other, null)).isNotEqualTo(Signatures.Verdict.VALID);
    }
}
