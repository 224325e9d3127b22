package dev.orgctl.nats;

import java.io.ByteArrayOutputStream;

/**
 * Wraps a PKCS#1 RSA private key (GitHub App keys, older OpenSSL output) in the PKCS#8 envelope
 * that the JDK's {@code KeyFactory} reads. The envelope is fixed DER: version 0, the rsaEncryption
 * algorithm identifier, and the PKCS#1 bytes as an OCTET STRING.
 */
public final class Pkcs1 {
    private static final byte[] RSA_ALGORITHM_ID = {
        0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00
    };
    private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

    private Pkcs1() {
    }

    public static byte[] toPkcs8(byte[] pkcs1) {
        ByteArrayOutputStream octet = new ByteArrayOutputStream();
        octet.write(0x04);
        writeLength(octet, pkcs1.length);
        octet.writeBytes(pkcs1);
        byte[] octetBytes = octet.toByteArray();
        int contentLength = VERSION_0.length + RSA_ALGORITHM_ID.length + octetBytes.length;
        ByteArrayOutputStream seq = new ByteArrayOutputStream();
        seq.write(0x30);
        writeLength(seq, contentLength);
        seq.writeBytes(VERSION_0);
        seq.writeBytes(RSA_ALGORITHM_ID);
        seq.writeBytes(octetBytes);
        return seq.toByteArray();
    }

    private static void writeLength(ByteArrayOutputStream out, int length) {
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else if (length < 0x10000) {
            out.write(0x82);
            out.write(length >> 8);
            out.write(length & 0xff);
        } else {
            out.write(0x83);
            out.write(length >> 16);
            out.write((length >> 8) & 0xff);
            out.write(length & 0xff);
        }
    }
}
