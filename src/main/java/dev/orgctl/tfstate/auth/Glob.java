package dev.orgctl.tfstate.auth;

import java.util.regex.Pattern;

/**
 * A name pattern of the state policy and of orgctl tokens: {@code *} matches any characters but
 * {@code /}, {@code **} any characters including {@code /}, {@code ?} one character but {@code /};
 * everything else matches itself, case-sensitively. The same rule as GitHub's branch patterns, so
 * {@code refs/heads/*} does not reach {@code refs/heads/feature/x} and {@code prod/**} reaches every
 * state below {@code prod/}.
 */
public record Glob(String text, Pattern pattern) {
    public static Glob of(String text) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '*' && c != '?') {
                literal.append(c);
                continue;
            }
            if (literal.length() > 0) {
                re.append(Pattern.quote(literal.toString()));
                literal.setLength(0);
            }
            if (c == '?') {
                re.append("[^/]");
            } else if (i + 1 < text.length() && text.charAt(i + 1) == '*') {
                re.append(".*");
                i++;
            } else {
                re.append("[^/]*");
            }
        }
        if (literal.length() > 0) {
            re.append(Pattern.quote(literal.toString()));
        }
        return new Glob(text, Pattern.compile(re.toString(), Pattern.DOTALL));
    }

    public boolean matches(String value) {
        return pattern.matcher(value).matches();
    }

    /** The part before the first wildcard: what the pattern pins down for certain. */
    public String literalPrefix() {
        int star = text.indexOf('*');
        int q = text.indexOf('?');
        int end = star < 0 ? q : q < 0 ? star : Math.min(star, q);
        return end < 0 ? text : text.substring(0, end);
    }

    @Override
    public String toString() {
        return text;
    }
}
