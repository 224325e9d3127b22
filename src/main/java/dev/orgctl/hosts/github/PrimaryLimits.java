package dev.orgctl.hosts.github;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What GitHub last said about each primary limit ({@code x-ratelimit-resource}: core, graphql,
 * search...): remaining calls and when the window resets. Before a call to a resource whose
 * remaining count is 0, the caller waits until the reset instead of spending a refused request.
 */
final class PrimaryLimits {
    record Snapshot(long limit, long remaining, Instant reset) {
    }

    private final Map<String, Snapshot> byResource = new ConcurrentHashMap<>();
    private final Clock clock;

    PrimaryLimits(Clock clock) {
        this.clock = clock;
    }

    void observe(String defaultResource, HttpHeaders h) {
        Optional<String> remaining = h.firstValue("x-ratelimit-remaining");
        Optional<String> reset = h.firstValue("x-ratelimit-reset");
        if (remaining.isEmpty() || reset.isEmpty()) {
            return;
        }
        try {
            String resource = h.firstValue("x-ratelimit-resource").orElse(defaultResource);
            long limit = Long.parseLong(h.firstValue("x-ratelimit-limit").orElse("-1"));
            byResource.put(resource, new Snapshot(limit, Long.parseLong(remaining.get().trim()),
                    Instant.ofEpochSecond(Long.parseLong(reset.get().trim()))));
        } catch (NumberFormatException e) {
            // a malformed header is ignored: GitHub's limits are then discovered by refusals
        }
    }

    /** The reset to wait for before calling {@code resource}, when its remaining count is 0. */
    Optional<Instant> exhaustedUntil(String resource) {
        Snapshot s = byResource.get(resource);
        if (s == null || s.remaining() > 0 || !s.reset().isAfter(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(s.reset());
    }

    Optional<Snapshot> snapshot(String resource) {
        return Optional.ofNullable(byResource.get(resource));
    }
}
