package dev.orgctl.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who may call the fake: personal access tokens with scopes, GitHub Apps with their public keys
 * and installations, App JWTs verified as GitHub does, and installation tokens issued against
 * them. Separate from {@link FakeHttp} because it is state the tests drive directly (create,
 * revoke, shorten a token's life), while the HTTP layer only asks it "who is this?".
 */
final class FakeAuth {
    record App(long id, String slug, PublicKey key) {
    }

    record Installation(long id, long appId, FakeOrg org, Map<String, String> permissions) {
    }

    private record IssuedToken(Principal principal, Instant expiresAt) {
    }

    private final GitHubFake fake;
    private final Map<String, IssuedToken> tokens = new ConcurrentHashMap<>();
    final Map<Long, App> apps = new ConcurrentHashMap<>();
    final Map<Long, Installation> installations = new ConcurrentHashMap<>();
    private final AtomicInteger installationTokensIssued = new AtomicInteger();
    private final AtomicInteger jwtRequests = new AtomicInteger();
    private volatile Duration installationTokenTtl = Duration.ofHours(1);

    FakeAuth(GitHubFake fake) {
        this.fake = fake;
    }

    String createToken(String login, String... scopes) {
        String token = "ghp_" + GitHubFake.random(36);
        Set<String> s = new LinkedHashSet<>(List.of(scopes));
        tokens.put(token, new IssuedToken(new Principal(Principal.Kind.USER, login, Math.abs((long) login.hashCode()) + 1L,
                "user:" + login, s, Map.of(), 0, 0), Instant.MAX));
        return token;
    }

    void revokeToken(String token) {
        tokens.remove(token);
    }

    void registerApp(long appId, String slug, PublicKey key) {
        apps.put(appId, new App(appId, slug, key));
    }

    long installApp(long appId, String org, Map<String, String> permissions) {
        long id = fake.ids.incrementAndGet();
        installations.put(id, new Installation(id, appId, fake.requireOrg(org), Map.copyOf(permissions)));
        return id;
    }

    void setInstallationTokenTtl(Duration ttl) {
        installationTokenTtl = ttl;
    }

    int installationTokensIssued() {
        return installationTokensIssued.get();
    }

    int jwtRequests() {
        return jwtRequests.get();
    }

    void revokeInstallationTokens() {
        tokens.values().removeIf(t -> t.principal().kind() == Principal.Kind.INSTALLATION);
    }

    /** The caller of an ordinary endpoint: a token's principal, or the App for a JWT. */
    Principal principal(String auth) {
        String token = bearer(auth);
        if (token == null) {
            throw new HttpError(401, "Requires authentication");
        }
        if (token.startsWith("eyJ") && token.chars().filter(c -> c == '.').count() == 2) {
            return verifyJwt(auth);
        }
        IssuedToken t = tokens.get(token);
        if (t == null || !fake.clock.instant().isBefore(t.expiresAt())) {
            throw new HttpError(401, "Bad credentials");
        }
        return t.principal();
    }

    /** The caller of an endpoint that takes only an App JWT; counted in {@link #jwtRequests()}. */
    Principal app(String auth) {
        Principal p = verifyJwt(auth);
        jwtRequests.incrementAndGet();
        return p;
    }

    private static String bearer(String auth) {
        if (auth == null) {
            return null;
        }
        if (auth.startsWith("Bearer ")) {
            return auth.substring(7).trim();
        }
        if (auth.startsWith("token ")) {
            return auth.substring(6).trim();
        }
        return null;
    }

    /**
     * Verifies a GitHub App JWT: RS256 signature with the App's registered public key, {@code iss}
     * a known App, {@code exp} in the future and no more than 10 minutes ahead, {@code iat} not in
     * the future (a minute of drift tolerated).
     */
    private Principal verifyJwt(String auth) {
        String jwt = bearer(auth);
        if (jwt == null) {
            throw new HttpError(401, "A JSON web token could not be decoded");
        }
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            throw new HttpError(401, "A JSON web token could not be decoded");
        }
        JsonNode header;
        JsonNode payload;
        try {
            header = GitHubFake.JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            payload = GitHubFake.JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (Exception e) {
            throw new HttpError(401, "A JSON web token could not be decoded");
        }
        if (!"RS256".equals(header.path("alg").asText())) {
            throw new HttpError(401, "A JSON web token could not be decoded");
        }
        long appId = payload.path("iss").asLong(0);
        App app = apps.get(appId);
        if (app == null) {
            throw new HttpError(401, "Integration not found");
        }
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initVerify(app.key());
            rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!rsa.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                throw new HttpError(401, "A JSON web token could not be decoded");
            }
        } catch (HttpError e) {
            throw e;
        } catch (Exception e) {
            throw new HttpError(401, "A JSON web token could not be decoded");
        }
        long now = fake.clock.instant().getEpochSecond();
        if (!payload.path("exp").isNumber() || !payload.path("iat").isNumber()) {
            throw new HttpError(401, "'Expiration time' claim ('exp') must be a numeric value representing the "
                    + "future time at which the assertion expires");
        }
        long exp = payload.path("exp").asLong();
        long iat = payload.path("iat").asLong();
        if (exp <= now) {
            throw new HttpError(401, "'Expiration time' claim ('exp') must be a numeric value representing the "
                    + "future time at which the assertion expires");
        }
        if (exp > now + 600) {
            throw new HttpError(401, "'Expiration time' claim ('exp') is too far in the future");
        }
        if (iat > now + 60) {
            throw new HttpError(401, "'Issued at' claim ('iat') must be an Integer representing the time that the "
                    + "assertion was issued");
        }
        return new Principal(Principal.Kind.APP, app.slug(), appId, "app:" + appId, Set.of(), Map.of(), 0, appId);
    }

    /** Issues an installation token (after the JWT was verified). */
    Map<String, Object> issueInstallationToken(Installation inst) {
        App app = apps.get(inst.appId());
        String token = "ghs_" + GitHubFake.random(36);
        Instant exp = fake.clock.instant().plus(installationTokenTtl);
        tokens.put(token, new IssuedToken(new Principal(Principal.Kind.INSTALLATION, app.slug() + "[bot]",
                inst.appId() + 41_000_000L, "installation:" + inst.id(), Set.of(), inst.permissions(), inst.id(),
                inst.appId()), exp));
        installationTokensIssued.incrementAndGet();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token", token);
        out.put("expires_at", exp.truncatedTo(ChronoUnit.SECONDS).toString());
        out.put("permissions", inst.permissions());
        out.put("repository_selection", "all");
        return out;
    }
}
