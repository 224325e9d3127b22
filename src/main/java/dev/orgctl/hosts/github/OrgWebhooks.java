package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.config.Secret;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The organization webhook that feeds orgctl: registered idempotently (an existing hook with the
 * same URL is adopted and corrected, never duplicated), pinged, and its failed deliveries
 * redelivered. GitHub never retries a failed delivery by itself; the gateway de-duplicates on the
 * delivery GUID, so redelivering on a schedule is safe.
 */
public final class OrgWebhooks {
    private static final Logger log = LoggerFactory.getLogger(OrgWebhooks.class);
    /**
     * The events the controller reads; {@code ping} is always sent. {@code pull_request} feeds the
     * templates repository's previews and, closed as merged, a pull-request-mode rollout's gate;
     * {@code check_suite} (GitHub sends org webhooks only {@code completed} ones), {@code workflow_run}
     * and {@code status} are the CI results rollouts gate on. {@code check_suite rerequested} reaches
     * only the GitHub App's own webhook.
     */
    public static final List<String> EVENTS = List.of("push", "repository", "pull_request", "check_suite",
            "workflow_run", "status");

    private final GitHubClient client;
    private final String org;

    public OrgWebhooks(GitHubClient client, String org) {
        this.client = client;
        this.org = org;
    }

    /** An org hook as GitHub lists it (the secret is never shown). */
    public record Hook(long id, String url, String contentType, String insecureSsl, List<String> events,
                       boolean active) {
        static Hook of(JsonNode h) {
            List<String> events = new ArrayList<>();
            h.path("events").forEach(e -> events.add(e.asText()));
            JsonNode c = h.path("config");
            return new Hook(h.path("id").asLong(), c.path("url").asText(""), c.path("content_type").asText("form"),
                    c.path("insecure_ssl").asText("0"), events, h.path("active").asBoolean(true));
        }
    }

    /** What {@link #register} did. */
    public record Registration(long hookId, boolean created, List<String> corrections, List<Long> duplicates) {
    }

    public List<Hook> hooks() {
        List<Hook> out = new ArrayList<>();
        client.getAll(hooksPath() + "?per_page=100", Optional.empty()).forEach(h -> out.add(Hook.of(h)));
        out.sort(Comparator.comparingLong(Hook::id));
        return out;
    }

    /** The hook delivering to {@code url} (the oldest, if several do). */
    public Optional<Hook> find(String url) {
        return hooks().stream().filter(h -> h.url().equals(url)).findFirst();
    }

    /**
     * Creates the org webhook (JSON, the signing secret, {@link #EVENTS}, TLS verified, active), or
     * adopts the existing hook with the same URL and corrects it. The secret cannot be read back
     * from GitHub, so an adopted hook always gets the secret written again. Running it twice never
     * makes a second hook.
     */
    public Registration register(String url, Secret secret) {
        List<Hook> same = hooks().stream().filter(h -> h.url().equals(url)).toList();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("url", url);
        config.put("content_type", "json");
        config.put("secret", secret.revealAsString());
        config.put("insecure_ssl", "0");
        if (same.isEmpty()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", "web");
            body.put("active", true);
            body.put("events", EVENTS);
            body.put("config", config);
            long id = client.post(hooksPath(), body).json().path("id").asLong();
            log.atInfo().addKeyValue("org", org).addKeyValue("hook", id).log("webhook created");
            return new Registration(id, true, List.of(), List.of());
        }
        Hook h = same.get(0);
        List<String> corrections = new ArrayList<>();
        if (!Set.copyOf(h.events()).equals(Set.copyOf(EVENTS))) {
            corrections.add("events " + h.events() + " -> " + EVENTS);
        }
        if (!h.contentType().equals("json")) {
            corrections.add("content type " + h.contentType() + " -> json");
        }
        if (!h.insecureSsl().equals("0")) {
            corrections.add("TLS verification off -> on");
        }
        if (!h.active()) {
            corrections.add("inactive -> active");
        }
        corrections.add("secret written");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("active", true);
        body.put("events", EVENTS);
        body.put("config", config);
        client.patch(hooksPath() + "/" + h.id(), body);
        List<Long> duplicates = same.stream().skip(1).map(Hook::id).toList();
        log.atInfo().addKeyValue("org", org).addKeyValue("hook", h.id()).addKeyValue("corrections", corrections)
                .addKeyValue("duplicates", duplicates).log("webhook adopted");
        return new Registration(h.id(), false, corrections, duplicates);
    }

    /** Asks GitHub to send a {@code ping} to the hook ({@code 204}). */
    public void ping(long hookId) {
        client.post(hooksPath() + "/" + hookId + "/pings", null);
    }

    /** One delivery attempt as the deliveries API lists it. */
    public record DeliveryAttempt(long id, String guid, Instant deliveredAt, boolean redelivery, String status,
                           int statusCode, String event, Optional<String> action) {
        public boolean ok() {
            return statusCode >= 200 && statusCode < 300;
        }

        static DeliveryAttempt of(JsonNode d) {
            Instant at;
            try {
                at = Instant.parse(d.path("delivered_at").asText());
            } catch (DateTimeParseException e) {
                at = Instant.EPOCH;
            }
            JsonNode action = d.path("action");
            return new DeliveryAttempt(d.path("id").asLong(), d.path("guid").asText(), at,
                    d.path("redelivery").asBoolean(), d.path("status").asText(""), d.path("status_code").asInt(0),
                    d.path("event").asText(""),
                    action.isTextual() ? Optional.of(action.asText()) : Optional.empty());
        }
    }

    /**
     * The hook's delivery attempts since {@code since}, newest first: pages (cursor pagination) are
     * read only as far back as needed.
     */
    public List<DeliveryAttempt> deliveries(long hookId, Instant since) {
        List<DeliveryAttempt> out = new ArrayList<>();
        Optional<String> next = Optional.of(hooksPath() + "/" + hookId + "/deliveries?per_page=100");
        while (next.isPresent()) {
            GitHubResponse page = client.get(next.get());
            boolean older = false;
            for (JsonNode d : page.json()) {
                DeliveryAttempt del = DeliveryAttempt.of(d);
                if (del.deliveredAt().isBefore(since)) {
                    older = true;
                    continue;
                }
                out.add(del);
            }
            next = older ? Optional.empty() : page.nextPage();
        }
        return out;
    }

    /** What {@link #redeliver} found and did. */
    public record RedeliveryReport(int attempts, int events, List<DeliveryAttempt> failed,
                                   List<DeliveryAttempt> redelivered, int recoveredEarlier) {
    }

    /**
     * Redelivers every event (delivery GUID) of the window whose attempts all failed: its newest
     * failed attempt is asked again ({@code POST .../deliveries/{id}/attempts}, 202). An event that
     * succeeded on any attempt, a redelivery included, is left alone.
     */
    public RedeliveryReport redeliver(long hookId, Duration window, Instant now, boolean dryRun) {
        List<DeliveryAttempt> all = deliveries(hookId, now.minus(window));
        Map<String, List<DeliveryAttempt>> byGuid = new LinkedHashMap<>();
        for (DeliveryAttempt d : all) {
            byGuid.computeIfAbsent(d.guid(), g -> new ArrayList<>()).add(d);
        }
        List<DeliveryAttempt> failed = new ArrayList<>();
        int recovered = 0;
        for (List<DeliveryAttempt> attempts : byGuid.values()) {
            if (attempts.stream().anyMatch(DeliveryAttempt::ok)) {
                if (attempts.stream().anyMatch(d -> !d.ok())) {
                    recovered++;
                }
                continue;
            }
            failed.add(attempts.stream().max(Comparator.comparingLong(DeliveryAttempt::id)).orElseThrow());
        }
        List<DeliveryAttempt> redelivered = new ArrayList<>();
        Set<String> done = new LinkedHashSet<>();
        for (DeliveryAttempt d : failed) {
            if (dryRun || !done.add(d.guid())) {
                continue;
            }
            client.post(hooksPath() + "/" + hookId + "/deliveries/" + d.id() + "/attempts", null);
            redelivered.add(d);
            log.atInfo().addKeyValue("hook", hookId).addKeyValue("delivery", d.guid()).addKeyValue("event", d.event())
                    .addKeyValue("status", d.status()).log("webhook delivery redelivered");
        }
        return new RedeliveryReport(all.size(), byGuid.size(), failed, redelivered, recovered);
    }

    private String hooksPath() {
        return "/orgs/" + URLEncoder.encode(org, StandardCharsets.UTF_8) + "/hooks";
    }
}
