package dev.orgctl.tfstate;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-256-GCM of one state version: stored bytes are a random 12-byte nonce followed by the
 * ciphertext and its 16-byte tag. The state's name is the associated data, so the bytes of one
 * state cannot be passed off as another's. Without keys the bytes pass through unchanged.
 */
final class StateCipher {
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final Optional<StateKeys> keys;
    private final SecureRandom random = new SecureRandom();

    StateCipher(Optional<StateKeys> keys) {
        this.keys = keys;
    }

    /** Stored bytes and the id of the key that sealed them ("" for none). */
    @SuppressWarnings("ArrayRecordComponent") // bytes carried to the store, never compared as a record
    record Sealed(byte[] bytes, String keyId) {
    }

    Sealed seal(StateName name, byte[] plain) {
        if (keys.isEmpty()) {
            return new Sealed(plain, "");
        }
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, keys.get().current(), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(name.value().getBytes(StandardCharsets.US_ASCII));
            byte[] out = new byte[NONCE_BYTES + c.getOutputSize(plain.length)];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            c.doFinal(plain, 0, plain.length, out, NONCE_BYTES);
            return new Sealed(out, keys.get().currentId());
        } catch (GeneralSecurityException e) {
            throw new TfstateException("cannot encrypt state " + name + ": " + e.getClass().getSimpleName(), false);
        }
    }

    byte[] open(StateName name, long version, byte[] stored, String keyId) {
        if (keyId.isEmpty()) {
            return stored;
        }
        SecretKey key = keys.flatMap(k -> k.find(keyId)).orElseThrow(() -> new TfstateException("version " + version
                + " of state " + name + " is encrypted with key " + keyId + ", which the key file does not have", false));
        try {
            ByteBuffer in = ByteBuffer.wrap(stored);
            byte[] nonce = new byte[NONCE_BYTES];
            in.get(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(name.value().getBytes(StandardCharsets.US_ASCII));
            return c.doFinal(stored, NONCE_BYTES, stored.length - NONCE_BYTES);
        } catch (GeneralSecurityException | java.nio.BufferUnderflowException e) {
            throw new TfstateException("version " + version + " of state " + name + " does not decrypt with key "
                    + keyId + " (wrong key, or the stored bytes were changed)", false);
        }
    }
}
