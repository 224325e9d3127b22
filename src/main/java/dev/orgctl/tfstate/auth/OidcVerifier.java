package dev.orgctl.tfstate.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies GitHub Actions OIDC ID tokens: an RS256 signature by one of the issuer's keys (its JWK
 * set, discovered, cached and refreshed by nimbus), the issuer, the audience, and the expiry and
 * not-before times with a small clock skew. A token whose key id is not in the cached set makes
 * nimbus fetch the set again (GitHub rotates keys), at most twice per {@link Options#minRefresh}
 * however many such tokens arrive, so a stream of made-up key ids cannot turn orgctl into a
 * hammer on the issuer.
 *
 * <p>When the keys cannot be fetched (the issuer is down, slow, answers an error or garbage) the token
 * is not judged at all: the result is {@link Unavailable}, which the backend answers 503 with
 * {@code Retry-After}, so Terraform retries instead of failing the job for an outage that is not the
 * caller's. A failed fetch is not cached: the next request fetches again, within the same rate limit
 * (so while the issuer is away it is asked at most twice per {@link Options#minRefresh}, and once it
 * is back, tokens verify again within one such interval).
 *
 * <p>Refusal reasons are fixed texts of this class: they never quote the token or a value from it.
 */
public final class OidcVerifier {
    /** Clocks of the runner and of orgctl's host may differ a little; GitHub's tokens live minutes. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);
    /** The claims a GitHub Actions token always has and orgctl relies on. */
    static final Set<String> REQUIRED = Set.of("sub", "exp", "iat", "repository", "repository_owner", "run_id");
    /** What a {@link Caller} carries of a verified token: the policy's claims and the run. */
    static final List<String> KEPT = List.of("repository", "repository_owner", "ref", "environment",
            "job_workflow_ref", "workflow", "event_name", "run_id", "run_attempt", "actor");

    /**
     * @param cacheTtl       how long a fetched JWK set is used before it is fetched again
     * @param refreshTimeout how long a request waits for another request's fetch of the set
     * @param minRefresh     the interval in which at most two fetches happen (nimbus's rate limit)
     * @param httpTimeout    connect and read timeout of one fetch
     */
    public record Options(Duration cacheTtl, Duration refreshTimeout, Duration minRefresh, Duration httpTimeout) {
        public static Options defaults() {
            return new Options(Duration.ofMinutes(15), Duration.ofSeconds(15), Duration.ofSeconds(30),
                    Duration.ofSeconds(5));
        }

        /**
         * How long a caller is asked to wait when the keys could not be fetched: half the rate-limit
         * interval (at least a second), so Terraform's default two retries reach past the interval in
         * which the failed fetches used up the limit, and one of them gets a fresh fetch.
         */
        public Duration retryAfter() {
            Duration half = minRefresh.dividedBy(2);
            return half.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : half;
        }
    }

    /** What verification made of a token. */
    public sealed interface Result permits Verified, Refused, Unavailable {
    }

    /** @param claims the {@link #KEPT} claims the token has, as text */
    public record Verified(String subject, Map<String, String> claims) implements Result {
        public Verified {
            claims = Map.copyOf(claims);
        }
    }

    /** The token does not verify: 401. */
    public record Refused(String reason) implements Result {
    }

    /**
     * The issuer's keys could not be fetched, so the token was neither accepted nor refused: 503.
     *
     * @param reason     for the answer and the log: names the issuer, never the token
     * @param cause      for the log only: the failure's exception classes and messages (URLs and I/O
     *                   errors, nothing from the token)
     * @param retryAfter when to try again ({@link Options#retryAfter})
     */
    public record Unavailable(String reason, String cause, Duration retryAfter) implements Result {
    }

    private final String issuer;
    private final String audience;
    private final DiscoveredJwks source;
    private final JWKSource<SecurityContext> keys;
    private final Duration retryAfter;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    public OidcVerifier(URI issuer, String audience, Options options, Clock clock) {
        this.issuer = issuer.toString();
        this.audience = audience;
        int timeout = Math.toIntExact(options.httpTimeout().toMillis());
        DefaultResourceRetriever http = new DefaultResourceRetriever(timeout, timeout,
                JWKSourceBuilder.DEFAULT_HTTP_SIZE_LIMIT);
        this.source = new DiscoveredJwks(this.issuer, http);
        this.retryAfter = options.retryAfter();
        // No refresh-ahead (so no background threads to stop), retries or outage tolerance: one fetch per TTL
        // is plenty at Terraform's request rates, and a set that cannot be fetched answers "try again"
        // rather than trusting keys of unknown age.
        this.keys = JWKSourceBuilder.create(source)
                .cache(options.cacheTtl().toMillis(), options.refreshTimeout().toMillis())
                .refreshAheadCache(false)
                .rateLimited(options.minRefresh().toMillis())
                .retrying(false)
                .outageTolerant(false)
                .build();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(Set.of(audience),
                new JWTClaimsSet.Builder().issuer(this.issuer).build(), REQUIRED, null) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew(Math.toIntExact(CLOCK_SKEW.toSeconds()));
        processor.setJWTClaimsSetVerifier(claims);
    }

    public Result verify(String token) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
            // Unverified, and used only to refuse: a token of another issuer must not make orgctl fetch keys.
            if (!issuer.equals(jwt.getJWTClaimsSet().getIssuer())) {
                return new Refused(anotherIssuer());
            }
        } catch (ParseException e) {
            return new Refused("the password is not a signed JWT (an OIDC ID token) nor an orgctl token");
        }
        try {
            JWTClaimsSet claims = processor.process(jwt, null);
            return new Verified(claims.getSubject(), kept(claims));
        } catch (BadJWTException e) {
            return new Refused(claimsReason(String.valueOf(e.getMessage())));
        } catch (BadJOSEException e) {
            return new Refused("the OIDC token's signature does not verify with the issuer's keys (unknown key id, "
                    + "wrong key, or not RS256)");
        } catch (JOSEException e) {
            return keysFailed(e);
        }
    }

    /**
     * nimbus could not give a key. Refused only when the issuer answered: the token's key id is not in
     * a set fetched again moments ago. The rate limit refuses a fetch whatever the last one did, so
     * whether the issuer answered is the last fetch's outcome, not the limit's.
     */
    private Result keysFailed(JOSEException e) {
        if (causedBy(e, RateLimitReachedException.class)) {
            return source.lastFailure().<Result>map(this::unavailable)
                    .orElseGet(() -> new Refused("the OIDC token's key id is not among the issuer's keys "
                            + "(fetched again recently)"));
        }
        if (causedBy(e, KeySourceException.class)) {
            return unavailable(e);
        }
        return new Refused("the OIDC token's signature could not be checked with the issuer's keys");
    }

    private Unavailable unavailable(Throwable cause) {
        return new Unavailable("the OIDC issuer " + issuer + " could not be reached for its keys; try again",
                describe(cause), retryAfter);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** Each exception of the chain as {@code Class: message}, for the log. */
    static String describe(Throwable e) {
        StringBuilder b = new StringBuilder();
        int depth = 0;
        for (Throwable t = e; t != null && depth < 4; t = t.getCause(), depth++) {
            if (depth > 0) {
                b.append("; caused by ");
            }
            b.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                b.append(": ").append(t.getMessage());
            }
        }
        return b.toString();
    }

    /** nimbus's messages, told without the values they quote from the token. */
    private String claimsReason(String message) {
        if (message.startsWith("Expired JWT")) {
            return "the OIDC token has expired";
        }
        if (message.startsWith("JWT before use time")) {
            return "the OIDC token is not valid yet";
        }
        if (message.contains("iss claim")) {
            return anotherIssuer();
        }
        if (message.contains("aud claim") || message.contains("audience")) {
            return "the OIDC token is for another audience (expected aud " + audience + ")";
        }
        if (message.contains("missing required claims")) {
            return "the OIDC token lacks claims a GitHub Actions token has (" + String.join(", ",
                    REQUIRED.stream().sorted().toList()) + ")";
        }
        return "the OIDC token's claims were refused";
    }

    private String anotherIssuer() {
        return "the OIDC token is from another issuer (expected " + issuer + ")";
    }

    private static Map<String, String> kept(JWTClaimsSet claims) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : KEPT) {
            Object v = claims.getClaim(name);
            if (v instanceof String || v instanceof Number || v instanceof Boolean) {
                out.put(name, v.toString());
            }
        }
        return out;
    }
}
