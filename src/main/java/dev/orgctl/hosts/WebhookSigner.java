package dev.orgctl.hosts;

import dev.orgctl.config.Secret;
import dev.orgctl.config.WebhookSecrets;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub's webhook signature: {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>}
 * keyed with the webhook secret (UTF-8). Used by the git backend's deliveries, the gateway's
 * verification and the GitHub fake, so all three agree byte for byte.
 */
public final class WebhookSigner {
    public static final String HEADER = "X-Hub-Signature-256";
    public static final String PREFIX = "sha256=";

    private WebhookSigner() {
    }

    /** The header value, {@code sha256=<64 hex digits>}. */
    public static String sign(byte[] body, Secret secret) {
        return PREFIX + HexFormat.of().formatHex(hmac(body, secret));
    }

    /**
     * Whether {@code header} is a valid signature of {@code body} with any of the secrets (rotation:
     * the first signs, all verify). Compared in constant time.
     */
    public static boolean verify(byte[] body, String header, WebhookSecrets secrets) {
        if (header == null || !header.startsWith(PREFIX) || header.length() != PREFIX.length() + 64) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(header.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            return false;
        }
        boolean ok = false;
        for (Secret s : secrets.secrets()) {
            ok |= MessageDigest.isEqual(given, hmac(body, s));
        }
        return ok;
    }

    // The buffer comes from Charset.encode: a heap buffer at offset 0, wiped whole.
    @SuppressWarnings("ByteBufferBackingArray")
    private static byte[] hmac(byte[] body, Secret secret) {
        char[] chars = secret.reveal();
        ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
        byte[] key = Arrays.copyOfRange(bb.array(), bb.position(), bb.limit());
        Arrays.fill(chars, '\0');
        Arrays.fill(bb.array(), (byte) 0);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }
}
