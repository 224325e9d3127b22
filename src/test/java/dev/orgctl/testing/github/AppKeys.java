package dev.orgctl.testing.github;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * A GitHub App key pair for tests, with the private key written the way GitHub hands it out:
 * PKCS#1 PEM ({@code BEGIN RSA PRIVATE KEY}). The JDK only encodes PKCS#8, so the PKCS#1 bytes are
 * taken out of the PKCS#8 envelope (its last element, an OCTET STRING).
 */
public final class AppKeys {
    private AppKeys() {
    }

    public static KeyPair generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the private key as PKCS#1 PEM and returns the file. */
    public static Path writePkcs1(KeyPair kp, Path file) {
        byte[] pkcs1 = pkcs1(kp.getPrivate().getEncoded());
        String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs1);
        try {
            Files.writeString(file, "-----BEGIN RSA PRIVATE KEY-----\n" + b64 + "\n-----END RSA PRIVATE KEY-----\n",
                    StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** The PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo. */
    static byte[] pkcs1(byte[] pkcs8) {
        int[] pos = {0};
        expect(pkcs8, pos, 0x30);
        length(pkcs8, pos);
        skip(pkcs8, pos, 0x02); // version
        skip(pkcs8, pos, 0x30); // algorithm identifier
        expect(pkcs8, pos, 0x04);
        int len = length(pkcs8, pos);
        return Arrays.copyOfRange(pkcs8, pos[0], pos[0] + len);
    }

    private static void expect(byte[] der, int[] pos, int tag) {
        if ((der[pos[0]] & 0xff) != tag) {
            throw new IllegalArgumentException("unexpected DER tag " + der[pos[0]]);
        }
        pos[0]++;
    }

    private static void skip(byte[] der, int[] pos, int tag) {
        expect(der, pos, tag);
        int len = length(der, pos);
        pos[0] += len;
    }

    private static int length(byte[] der, int[] pos) {
        int b = der[pos[0]++] & 0xff;
        if (b < 0x80) {
            return b;
        }
        int n = b & 0x7f;
        int len = 0;
        for (int i = 0; i < n; i++) {
            len = (len << 8) | (der[pos[0]++] & 0xff);
        }
        return len;
    }
}
