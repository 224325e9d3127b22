package dev.orgctl.coordination;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Maps names of locks and workflows (for example {@code regen/my-org/.github}) to KV keys and back,
 * reversibly, for every non-empty string.
 *
 * <p>A KV key allows {@code [-/_=.a-zA-Z0-9]}, and its dots separate subject tokens. A name is split
 * on {@code /}; each part becomes one dot-separated token in which letters, digits, {@code -} and
 * {@code _} stay as they are and every other character is written as {@code =XX} per UTF-8 byte
 * ({@code .github} becomes {@code =2Egithub}, {@code =} itself {@code =3D}). An empty part is the
 * token {@code =} alone. So {@code regen/my-org/.github} is the key {@code regen.my-org.=2Egithub},
 * which is also a valid subject suffix: the history of a workflow lives on
 * {@code orgctl.history.<key>}, and {@code orgctl.history.regen.my-org.>} selects one org.
 */
public final class KeyCodec {
    private static final char ESCAPE = '=';
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private KeyCodec() {
    }

    /** The KV key of a name. */
    public static String encode(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a lock or workflow name must not be empty");
        }
        StringBuilder sb = new StringBuilder(name.length() + 8);
        int start = 0;
        while (true) {
            int slash = name.indexOf('/', start);
            String part = slash < 0 ? name.substring(start) : name.substring(start, slash);
            if (start > 0) {
                sb.append('.');
            }
            encodePart(part, sb);
            if (slash < 0) {
                break;
            }
            start = slash + 1;
        }
        return sb.toString();
    }

    /** The name a KV key stands for; the inverse of {@link #encode}. */
    public static String decode(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("empty key");
        }
        StringBuilder sb = new StringBuilder(key.length());
        String[] tokens = key.split("\\.", -1);
        for (int i = 0; i < tokens.length; i++) {
            if (i > 0) {
                sb.append('/');
            }
            decodePart(tokens[i], sb, key);
        }
        return sb.toString();
    }

    private static void encodePart(String part, StringBuilder sb) {
        if (part.isEmpty()) {
            sb.append(ESCAPE);
            return;
        }
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (plain(c)) {
                sb.append(c);
                continue;
            }
            int cp = part.codePointAt(i);
            byte[] bytes;
            if (Character.isSurrogate(c) && !Character.isSupplementaryCodePoint(cp)) {
                // A lone surrogate has no UTF-8 form; keep it reversible with its UTF-16 value.
                bytes = new byte[] {(byte) 0xED, (byte) (0xA0 | ((c >> 6) & 0x1F)), (byte) (0x80 | (c & 0x3F))};
            } else {
                bytes = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            }
            for (byte b : bytes) {
                sb.append(ESCAPE).append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
            }
            if (Character.isSupplementaryCodePoint(cp)) {
                i++;
            }
        }
    }

    private static void decodePart(String token, StringBuilder sb, String key) {
        if (token.equals(String.valueOf(ESCAPE))) {
            return;
        }
        if (token.isEmpty()) {
            throw new IllegalArgumentException("not an orgctl key (empty token): " + key);
        }
        ByteArrayOutputStream bytes = null;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c == ESCAPE) {
                if (i + 2 >= token.length()) {
                    throw new IllegalArgumentException("truncated escape in key: " + key);
                }
                int hi = Character.digit(token.charAt(i + 1), 16);
                int lo = Character.digit(token.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad escape in key: " + key);
                }
                if (bytes == null) {
                    bytes = new ByteArrayOutputStream();
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                if (!plain(c)) {
                    throw new IllegalArgumentException("not an orgctl key (character '" + c + "'): " + key);
                }
                flush(bytes, sb);
                bytes = null;
                sb.append(c);
            }
        }
        flush(bytes, sb);
    }

    private static void flush(ByteArrayOutputStream bytes, StringBuilder sb) {
        if (bytes == null) {
            return;
        }
        byte[] b = bytes.toByteArray();
        // Lone surrogates were written as their 3-byte "CESU" form; decode those by hand.
        int i = 0;
        int runStart = 0;
        while (i < b.length) {
            if ((b[i] & 0xFF) == 0xED && i + 2 < b.length && (b[i + 1] & 0xE0) == 0xA0) {
                sb.append(new String(b, runStart, i - runStart, StandardCharsets.UTF_8));
                sb.append((char) (0xD800 | ((b[i + 1] & 0x1F) << 6) | (b[i + 2] & 0x3F)));
                i += 3;
                runStart = i;
            } else {
                i++;
            }
        }
        sb.append(new String(b, runStart, b.length - runStart, StandardCharsets.UTF_8));
    }

    private static boolean plain(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_';
    }
}
