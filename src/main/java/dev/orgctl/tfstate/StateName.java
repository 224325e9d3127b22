package dev.orgctl.tfstate;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The name of one Terraform state, as it appears after {@code /tfstate/}: segments of
 * {@code [A-Za-z0-9._-]}, 1 to 64 characters each, joined by {@code /}, at most 8 segments and 200
 * characters, no {@code .} or {@code ..} segment; case-sensitive ({@code prod/network}).
 */
public record StateName(String value) implements Comparable<StateName> {
    public static final String RULE = "a state name is 1 to 8 segments of A-Z a-z 0-9 . _ - (1 to 64 characters each, "
            + "not '.' or '..') joined by '/', at most 200 characters";
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int MAX_SEGMENTS = 8;
    private static final int MAX_LENGTH = 200;

    public StateName {
        String problem = problem(value);
        if (problem != null) {
            throw new InvalidStateNameException(problem);
        }
    }

    /** Why {@code value} is not a state name, or null when it is one. */
    static String problem(String value) {
        if (value == null || value.isEmpty()) {
            return "the state name is empty; " + RULE;
        }
        if (value.length() > MAX_LENGTH) {
            return "the state name is " + value.length() + " characters long; " + RULE;
        }
        String[] segments = value.split("/", -1);
        if (segments.length > MAX_SEGMENTS) {
            return "the state name has " + segments.length + " segments; " + RULE;
        }
        for (String s : segments) {
            if (!SEGMENT.matcher(s).matches() || s.equals(".") || s.equals("..")) {
                return "the state name has an invalid segment; " + RULE;
            }
        }
        return null;
    }

    /**
     * The name as a KV key and object-name prefix: base64url without padding, because a legal name
     * such as {@code a..b} or {@code .x} is not a legal KV key, and the encoding is reversible.
     */
    public String key() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(value.getBytes(StandardCharsets.US_ASCII));
    }

    /** The name a {@link #key()} stands for. */
    public static StateName fromKey(String key) {
        try {
            return new StateName(new String(Base64.getUrlDecoder().decode(key), StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new InvalidStateNameException("not a state key: " + key);
        }
    }

    @Override
    public int compareTo(StateName o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }

    /** A name that breaks the rule: the answer is 400 with the rule. */
    public static final class InvalidStateNameException extends TfstateException {
        public InvalidStateNameException(String message) {
            super(message, false);
        }
    }
}
