package dev.orgctl.regen;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** An incremental SHA-256 over length-prefixed parts, so that ("ab", "c") and ("a", "bc") differ. */
final class Fingerprint {
    private final MessageDigest md;

    Fingerprint(String kind) {
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        add(kind);
    }

    Fingerprint add(String part) {
        return add(part.getBytes(StandardCharsets.UTF_8));
    }

    Fingerprint add(byte[] part) {
        int n = part.length;
        md.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        md.update(part);
        return this;
    }

    String hex() {
        return HexFormat.of().formatHex(md.digest());
    }
}
