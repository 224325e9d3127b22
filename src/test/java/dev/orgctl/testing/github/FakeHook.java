package dev.orgctl.testing.github;

import java.time.Instant;
import java.util.List;

/** An organization webhook of the fake, as GitHub stores it (the secret is never shown). */
public final class FakeHook {
    final long id;
    final FakeOrg org;
    volatile String url;
    volatile String contentType;
    volatile String secret;
    volatile String insecureSsl;
    volatile List<String> events;
    volatile boolean active;
    final Instant createdAt;
    volatile Instant updatedAt;

    FakeHook(long id, FakeOrg org, String url, String contentType, String secret, String insecureSsl,
             List<String> events, boolean active, Instant now) {
        this.id = id;
        this.org = org;
        this.url = url;
        this.contentType = contentType;
        this.secret = secret;
        this.insecureSsl = insecureSsl;
        this.events = List.copyOf(events);
        this.active = active;
        this.createdAt = now;
        this.updatedAt = now;
    }

    public long id() {
        return id;
    }

    public String url() {
        return url;
    }

    public String contentType() {
        return contentType;
    }

    /** The secret the hook signs with (tests only: GitHub never shows it). */
    public String secret() {
        return secret;
    }

    public List<String> events() {
        return events;
    }

    public boolean active() {
        return active;
    }

    public boolean wants(String event) {
        return active && (event.equals("ping") || events.contains("*") || events.contains(event));
    }
}
