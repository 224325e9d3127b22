package dev.orgctl.hosts.github;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * The JSON Web Token a GitHub App signs to authenticate as itself (RS256 with the App's private
 * key). Per GitHub's "Generating a JSON Web Token (JWT) for a GitHub App": {@code iat} is set 60
 * seconds in the past against clock drift, {@code exp} no more than 10 minutes in the future, and
 * {@code iss} is the App's id. orgctl asks for 9 minutes, a minute short of the maximum, so a
 * server clock slightly behind ours does not see an expiry beyond 10 minutes.
 */
public final class AppJwt {
    /** How far {@code iat} is backdated. */
    public static final Duration BACKDATE = Duration.ofSeconds(60);
    /** How far ahead {@code exp} lies; GitHub refuses more than 10 minutes. */
    public static final Duration LIFETIME = Duration.ofMinutes(9);

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private AppJwt() {
    }

    /** A signed JWT for {@code appId} valid from {@code now - 60s} to {@code now + 9min}. */
    public static String create(long appId, PrivateKey key, Instant now) {
        long iat = now.minus(BACKDATE).getEpochSecond();
        long exp = now.plus(LIFETIME).getEpochSecond();
        String header = B64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = B64.encodeToString(("{\"iat\":" + iat + ",\"exp\":" + exp + ",\"iss\":\"" + appId + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        String signingInput = header + "." + payload;
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(key);
            rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + B64.encodeToString(rsa.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign the GitHub App JWT: " + e.getMessage(), e);
        }
    }
}
