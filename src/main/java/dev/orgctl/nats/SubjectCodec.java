package dev.orgctl.nats;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Maps (org, repo, event) to {@code github.<org>.<repo>.<event>} and back. Each part becomes one
 * subject token, so characters that NATS gives a meaning ({@code .}, {@code *}, {@code >}),
 * white space, {@code %} itself and anything outside printable ASCII are percent-encoded as UTF-8
 * bytes ({@code .github} becomes {@code %2Egithub}). A token that is exactly {@code _} stands for
 * "no repository" (org-level events) in the repository's place and for "no owner" (events about
 * GitHub as a whole, such as {@code security_advisory}) in the owner's, so a real part spelt
 * {@code _} is encoded as {@code %5F}.
 * Encoding is reversible for every string, and the common names (letters, digits, {@code -},
 * {@code _}) stay readable and usable in wildcard subscriptions.
 */
public final class SubjectCodec {
    public static final String PREFIX = "github";
    public static final String NO_REPO = "_";
    /** The owner token of an event that names no owner: {@code github._._.<event>}. */
    public static final String NO_OWNER = "_";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private SubjectCodec() {
    }

    /**
     * One address of a GitHub event: {@code repo} is empty for org-level events, and {@code org}
     * too for events that name no owner at all (a repository always has one).
     */
    public record Address(Optional<String> org, Optional<String> repo, String event) {
        public Address {
            if (org.isPresent() && org.get().isEmpty() || event == null || event.isEmpty()) {
                throw new IllegalArgumentException("org and event must not be empty; use Optional.empty() for no owner");
            }
            if (repo.isPresent() && repo.get().isEmpty()) {
                throw new IllegalArgumentException("a repository name must not be empty; use Optional.empty() for org-level events");
            }
            if (repo.isPresent() && org.isEmpty()) {
                throw new IllegalArgumentException("a repository always has an owner");
            }
        }

        public Address(String org, Optional<String> repo, String event) {
            this(Optional.of(org), repo, event);
        }

        /** The address of an event that names no owner and no repository. */
        public static Address ownerless(String event) {
            return new Address(Optional.empty(), Optional.empty(), event);
        }
    }

    public static String subject(String org, Optional<String> repo, String event) {
        return subject(new Address(org, repo, event));
    }

    public static String subject(Address a) {
        return PREFIX + "." + a.org().map(SubjectCodec::encodeToken).orElse(NO_OWNER) + "." + a.repo().map(SubjectCodec::encodeToken).orElse(NO_REPO)
                + "." + encodeToken(a.event());
    }

    /** The subject that matches every event of one repository (or, with no repository, of the org). */
    public static String repoFilter(String org, Optional<String> repo) {
        return PREFIX + "." + encodeToken(org) + "." + repo.map(SubjectCodec::encodeToken).orElse(NO_REPO) + ".*";
    }

    public static Address parse(String subject) {
        String[] t = subject.split("\\.", -1);
        if (t.length != 4 || !PREFIX.equals(t[0])) {
            throw new IllegalArgumentException("not an orgctl GitHub subject: " + subject);
        }
        Optional<String> org = NO_OWNER.equals(t[1]) ? Optional.empty() : Optional.of(decodeToken(t[1]));
        Optional<String> repo = NO_REPO.equals(t[2]) ? Optional.empty() : Optional.of(decodeToken(t[2]));
        return new Address(org, repo, decodeToken(t[3]));
    }

    /** Encodes one part as a single valid subject token. */
    public static String encodeToken(String part) {
        if (part.isEmpty()) {
            throw new IllegalArgumentException("a subject token cannot be empty");
        }
        if (part.equals(NO_REPO)) {
            return "%5F";
        }
        StringBuilder sb = null;
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (plain(c)) {
                if (sb != null) {
                    sb.append(c);
                }
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(part.length() + 8);
                sb.append(part, 0, i);
            }
            // Encode this code point's UTF-8 bytes.
            int cp = part.codePointAt(i);
            byte[] enc = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            for (byte b : enc) {
                sb.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
            }
            if (Character.isSupplementaryCodePoint(cp)) {
                i++;
            }
        }
        return sb == null ? part : sb.toString();
    }

    public static String decodeToken(String token) {
        if (token.indexOf('%') < 0) {
            return token;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c == '%') {
                if (i + 2 >= token.length()) {
                    throw new IllegalArgumentException("truncated escape in subject token: " + token);
                }
                out.write(Integer.parseInt(token.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** True when the string is usable as one token of a NATS subject. */
    public static boolean isValidToken(String token) {
        if (token.isEmpty()) {
            return false;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c == '.' || c == '*' || c == '>' || c <= ' ' || c >= 0x7F) {
                return false;
            }
        }
        return true;
    }

    private static boolean plain(char c) {
        return c > ' ' && c < 0x7F && c != '.' && c != '*' && c != '>' && c != '%';
    }
}
