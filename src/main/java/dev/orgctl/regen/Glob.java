package dev.orgctl.regen;

import java.util.regex.Pattern;

/**
 * Name and path patterns of {@code orgctl.yaml}: {@code *} matches any run of characters but
 * {@code /}, {@code **} any run including {@code /}, {@code ?} one character but {@code /};
 * everything else is literal. Matching is case-sensitive, on the whole name.
 */
public record Glob(String pattern, Pattern regex) {
    public static Glob of(String pattern) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*') {
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                    i++;
                    if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '/') {
                        i++;
                        re.append("(?:.*/)?");
                    } else {
                        re.append(".*");
                    }
                } else {
                    re.append("[^/]*");
                }
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new Glob(pattern, Pattern.compile(re.toString()));
    }

    public boolean matches(String s) {
        return regex.matcher(s).matches();
    }

    public boolean isLiteral() {
        return pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0;
    }

    @Override
    public String toString() {
        return pattern;
    }
}
