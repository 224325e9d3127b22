package dev.orgctl.bootstrap;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The bootstrap stages, in the order they run. Their spelt names are stable (product brief, section 6). */
public enum StageName {
    PREREQUISITES("prerequisites"),
    STATE("state"),
    NATS("nats"),
    TOPOLOGY("topology"),
    GATEWAY("gateway"),
    WEBHOOKS("webhooks"),
    SELF_MANAGEMENT("self-management");

    private final String id;

    StageName(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Optional<StageName> parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(s -> s.id.equals(t)).findFirst();
    }

    public static String allIds() {
        return String.join(", ", Arrays.stream(values()).map(StageName::id).toList());
    }
}
