package dev.orgctl.regen;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A file's bytes as text, one char per byte (ISO-8859-1), so that text operations (finding the
 * markers of a managed block, which are ASCII) keep every other byte exactly as it was, whatever
 * the file's encoding. Decoding a Latin-1 file as UTF-8 would turn each non-UTF-8 byte into U+FFFD
 * for good.
 */
final class ByteText {
    private ByteText() {
    }

    static String of(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(String byteText) {
        return byteText.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Text (a rendered template) as byte text of its UTF-8 encoding. */
    static String ofUtf8(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    static boolean isAscii(String byteText) {
        for (int i = 0; i < byteText.length(); i++) {
            if (byteText.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }

    static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Whether the bytes hold a NUL: UTF-16, or not text at all. */
    static boolean hasNul(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return true;
            }
        }
        return false;
    }
}
