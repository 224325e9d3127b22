package dev.orgctl.webhook;

import dev.orgctl.config.ConfigException;
import dev.orgctl.config.Secret;
import dev.orgctl.config.Setting;
import dev.orgctl.config.WebhookSecrets;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub's webhook signature: {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body,
 * keyed with the webhook secret>}. Verification tries every configured secret (rotation) and
 * compares digests with {@link MessageDigest#isEqual}, whose running time does not depend on where
 * the first differing byte is. It always computes the HMAC for every secret, so the time does not
 * tell which secret matched either.
 *
 * <p>The one signer and verifier of the project: the gateway verifies with it, the git backend signs
 * its deliveries with it, and the GitHub fake signs with it, so all of them agree byte for byte. It
 * lives below both {@code gateway} and {@code hosts} (it needs only {@code config}).
 *
 * <p>An empty secret is refused, when signing and when verifying: GitHub never signs with an empty
 * secret (a hook without one sends no signature header), so a delivery "signed" with one can only
 * come from a mistake, and HMAC would accept the empty key as if it were a key of zero bytes.
 */
public final class Signatures {
    public static final String HEADER_256 = "X-Hub-Signature-256";
    /** The legacy SHA-1 header: never enough on its own. */
    public static final String HEADER_SHA1 = "X-Hub-Signature";
    private static final String PREFIX = "sha256=";
    private static final int DIGEST_BYTES = 32;
    private static final String ALGORITHM = "HmacSHA256";

    /** Why a signature was not accepted; {@link #VALID} when it was. */
    public enum Verdict {
        VALID,
        MISSING,
        LEGACY_ONLY,
        MALFORMED,
        MISMATCH
    }

    private final List<SecretKeySpec> keys;
    /** One initialized Mac per secret and thread: looking the algorithm up costs more than the HMAC of 1 KiB. */
    private final ThreadLocal<Mac[]> macs;

    public Signatures(WebhookSecrets secrets) {
        this.keys = secrets.secrets().stream().map(Signatures::key).toList();
        this.macs = ThreadLocal.withInitial(() -> keys.stream().map(Signatures::mac).toArray(Mac[]::new));
    }

    /**
     * @param sha256Header the {@code X-Hub-Signature-256} value, or null
     * @param sha1Header   the legacy {@code X-Hub-Signature} value, or null (only used to say why)
     */
    public Verdict verify(byte[] body, String sha256Header, String sha1Header) {
        if (sha256Header == null || sha256Header.isEmpty()) {
            return sha1Header != null && !sha1Header.isEmpty() ? Verdict.LEGACY_ONLY : Verdict.MISSING;
        }
        byte[] claimed = parse(sha256Header.trim());
        if (claimed == null) {
            return Verdict.MALFORMED;
        }
        boolean match = false;
        for (Mac mac : macs.get()) {
            // No early exit: every secret costs the same whether an earlier one matched or not.
            match |= MessageDigest.isEqual(mac.doFinal(body), claimed);
        }
        return match ? Verdict.VALID : Verdict.MISMATCH;
    }

    /** The {@code X-Hub-Signature-256} value GitHub would send for this body and secret. */
    public static String sign(Secret secret, byte[] body) {
        return PREFIX + HexFormat.of().formatHex(hmac(key(secret), body));
    }

    private static byte[] parse(String header) {
        if (header.length() != PREFIX.length() + 2 * DIGEST_BYTES
                || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return null;
        }
        try {
            return HexFormat.of().parseHex(header, PREFIX.length(), header.length());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // The buffer comes from Charset.encode: a heap buffer at offset 0, wiped whole.
    @SuppressWarnings("ByteBufferBackingArray")
    private static SecretKeySpec key(Secret secret) {
        if (secret.isEmpty()) {
            throw new ConfigException("a webhook secret is empty: GitHub never signs with an empty secret; set a"
                    + " non-empty " + Setting.GITHUB_WEBHOOK_SECRET.displayName());
        }
        // The secret as UTF-8 bytes, as GitHub keys its HMAC; the char[] copy is wiped at once.
        char[] chars = secret.reveal();
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
        byte[] raw = new byte[bytes.remaining()];
        bytes.get(raw);
        Arrays.fill(chars, '\0');
        if (bytes.hasArray()) {
            Arrays.fill(bytes.array(), (byte) 0);
        }
        try {
            return new SecretKeySpec(raw, ALGORITHM);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static byte[] hmac(SecretKeySpec key, byte[] body) {
        return mac(key).doFinal(body);
    }

    private static Mac mac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
