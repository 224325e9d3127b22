package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.config.Secret;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A GitHub App acting on one organization's installation. The App authenticates as itself with a
 * short JWT ({@link AppJwt}) only to find its installation ({@code GET /orgs/{org}/installation},
 * when no id is configured) and to request installation tokens
 * ({@code POST /app/installations/{id}/access_tokens}). An installation token lives one hour; it is
 * cached and renewed {@code renewBefore} ahead of its {@code expires_at}, and a 401 with a cached
 * token (revoked early) fetches a new one once.
 */
public final class AppCredentials implements Credentials {
    private static final Logger log = LoggerFactory.getLogger(AppCredentials.class);
    /** Renew this long before {@code expires_at}: long API calls never start with a dying token. */
    public static final Duration DEFAULT_RENEW_BEFORE = Duration.ofMinutes(5);

    private final long appId;
    private final PrivateKey key;
    private final String org;
    private final Duration renewBefore;
    private final Clock clock;
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private Optional<Long> installationId;
    private Secret token;
    private Instant expiresAt = Instant.EPOCH;

    public AppCredentials(long appId, PrivateKey key, Optional<Long> installationId, String org, Duration renewBefore,
                          Clock clock) {
        if (!(key instanceof RSAPrivateKey)) {
            throw new IllegalArgumentException("a GitHub App key is an RSA key; this is " + key.getAlgorithm());
        }
        this.appId = appId;
        this.key = key;
        this.installationId = Objects.requireNonNull(installationId, "installationId");
        this.org = Objects.requireNonNull(org, "org");
        this.renewBefore = renewBefore;
        this.clock = clock;
    }

    public AppCredentials(long appId, PrivateKey key, Optional<Long> installationId, String org) {
        this(appId, key, installationId, org, DEFAULT_RENEW_BEFORE, Clock.systemUTC());
    }

    /** The JWT for App endpoints, fresh for every call (signing is cheap; nothing to leak from a cache). */
    String jwt() {
        return AppJwt.create(appId, key, clock.instant());
    }

    @Override
    public synchronized String authorization(GitHubClient client) {
        Instant now = clock.instant();
        if (token == null || !now.isBefore(expiresAt.minus(renewBefore))) {
            fetch(client, now);
        }
        return "Bearer " + token.revealAsString();
    }

    private void fetch(GitHubClient client, Instant now) {
        long id = installationId.orElseGet(() -> discover(client));
        GitHubResponse r = client.send(new GitHubRequest("POST", "/app/installations/" + id + "/access_tokens", null,
                GitHubRequest.Kind.TOKEN, false, GitHubRequest.Auth.APP_JWT));
        JsonNode body = r.json();
        String t = body.path("token").asText("");
        if (t.isEmpty()) {
            throw new GitHubApiException(GitHubApiException.Kind.UNEXPECTED, r.status(),
                    "POST /app/installations/" + id + "/access_tokens",
                    "GitHub answered the installation token request without a token", Optional.empty(),
                    java.util.List.of(), null);
        }
        Instant exp;
        try {
            exp = Instant.parse(body.path("expires_at").asText(""));
        } catch (DateTimeParseException e) {
            exp = now.plus(Duration.ofMinutes(59)); // documented lifetime is one hour
        }
        token = Secret.of(t);
        expiresAt = exp;
        tokensIssued.incrementAndGet();
        log.atInfo().addKeyValue("app", appId).addKeyValue("installation", id).addKeyValue("expires_at", exp)
                .log("github app installation token issued");
    }

    private long discover(GitHubClient client) {
        GitHubResponse r = client.send(GitHubRequest.get("/orgs/" + org + "/installation")
                .withAuth(GitHubRequest.Auth.APP_JWT));
        long id = r.json().path("id").asLong(0);
        if (id == 0) {
            throw new GitHubApiException(GitHubApiException.Kind.UNEXPECTED, r.status(), "GET /orgs/" + org + "/installation",
                    "GitHub did not name the App's installation on " + org, Optional.empty(), java.util.List.of(), null);
        }
        log.atInfo().addKeyValue("app", appId).addKeyValue("org", org).addKeyValue("installation", id)
                .log("github app installation discovered");
        installationId = Optional.of(id);
        return id;
    }

    @Override
    public synchronized void invalidate(String authorizationUsed) {
        if (token != null && authorizationUsed.equals("Bearer " + token.revealAsString())) {
            token = null;
            expiresAt = Instant.EPOCH;
        }
    }

    @Override
    public boolean renewable() {
        return true;
    }

    /** How many installation tokens this process fetched: caching and renewal are observable in tests. */
    public int tokensIssued() {
        return tokensIssued.get();
    }

    public synchronized Optional<Long> installationId() {
        return installationId;
    }

    public long appId() {
        return appId;
    }

    @Override
    public String describe() {
        return "GitHub App " + appId + installationId.map(i -> " (installation " + i + ")").orElse("");
    }

    @Override
    public String toString() {
        return "AppCredentials[app=" + appId + ", org=" + org + "]";
    }
}
