package dev.orgctl.hosts;

import java.util.Locale;

/** GitHub's repository visibility. */
public enum Visibility {
    PUBLIC, PRIVATE, INTERNAL;

    /** The lower-case name GitHub uses in payloads and {@code orgctl.yaml} uses in selectors. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Visibility parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown visibility '" + s + "': expected public, private or internal");
        }
    }
}
