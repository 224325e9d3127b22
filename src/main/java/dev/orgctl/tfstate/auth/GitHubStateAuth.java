package dev.orgctl.tfstate.auth;

import dev.orgctl.config.TfstateAuthSettings;
import io.nats.client.KeyValue;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Terraform state backend's {@link StateAuth}: the basic-auth password (the user name is
 * ignored) is an orgctl token ({@link TokenStore#PREFIX}) or a GitHub Actions OIDC ID token. Tokens
 * carry their own scope; OIDC callers are authorized by the {@link StatePolicy}.
 *
 * <p>Nothing this class logs or answers contains a credential or a part of one: refusal reasons are
 * fixed texts, and callers are named by their token's name or their verified claims.
 */
public final class GitHubStateAuth implements StateAuth {
    public static final String KIND_OIDC = "oidc";
    public static final String KIND_TOKEN = "token";
    static final String NO_CREDENTIALS = "no credentials: send a GitHub Actions OIDC token or an orgctl token as "
            + "the basic-auth password";
    static final String BAD_TOKEN = "the orgctl token is not valid (unknown, revoked or mistyped)";

    private static final Logger log = LoggerFactory.getLogger(GitHubStateAuth.class);

    private final OidcVerifier oidc;
    private final StatePolicy policy;
    private final TokenStore tokens;

    public GitHubStateAuth(OidcVerifier oidc, StatePolicy policy, TokenStore tokens) {
        this.oidc = oidc;
        this.policy = policy;
        this.tokens = tokens;
    }

    /**
     * The service's authentication: settings from the configuration, the policy from its orgctl.yaml
     * (a {@link dev.orgctl.config.ConfigException} naming FILE:LINE when it is wrong), tokens in
     * {@code tokenBucket} ({@code ORGCTL_TFSTATE_TOKENS}).
     */
    public static GitHubStateAuth create(TfstateAuthSettings settings, KeyValue tokenBucket) {
        StatePolicy policy = settings.policyFile().map(StatePolicy::read).orElse(StatePolicy.none());
        log.atInfo().addKeyValue("issuer", settings.issuer()).addKeyValue("audience", settings.audience())
                .addKeyValue("rules", policy.rules().size()).log("terraform state authentication ready");
        return new GitHubStateAuth(
                new OidcVerifier(settings.issuer(), settings.audience(), OidcVerifier.Options.defaults(),
                        Clock.systemUTC()),
                policy, new TokenStore(tokenBucket, Clock.systemUTC(), new SecureRandom()));
    }

    /**
     * @throws dev.orgctl.nats.NatsUnavailableException when an orgctl token cannot be looked up: the
     *                                                  answer is then 503, not 401
     */
    @Override
    public AuthOutcome authenticate(Optional<String> authorization) {
        if (authorization.isEmpty() || authorization.get().isBlank()) {
            return new AuthOutcome.Unauthenticated(NO_CREDENTIALS);
        }
        String header = authorization.get().strip();
        int space = header.indexOf(' ');
        if (space < 0 || !header.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
            return new AuthOutcome.Unauthenticated("expected HTTP basic credentials (Authorization: Basic ...)");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(space + 1).strip()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return new AuthOutcome.Unauthenticated("the basic credentials are not valid base64");
        }
        int colon = decoded.indexOf(':');
        String password = colon < 0 ? "" : decoded.substring(colon + 1);
        if (password.isEmpty()) {
            return new AuthOutcome.Unauthenticated(NO_CREDENTIALS);
        }
        return password.startsWith(TokenStore.PREFIX) ? token(password) : oidc(password);
    }

    private AuthOutcome token(String token) {
        return tokens.verify(token)
                .<AuthOutcome>map(r -> new AuthOutcome.Authenticated(
                        new Caller(KIND_TOKEN, r.name(), Map.of(), Optional.empty())))
                .orElseGet(() -> new AuthOutcome.Unauthenticated(BAD_TOKEN));
    }

    private AuthOutcome oidc(String jwt) {
        OidcVerifier.Result r = oidc.verify(jwt);
        if (r instanceof OidcVerifier.Verified v) {
            return new AuthOutcome.Authenticated(new Caller(KIND_OIDC, v.subject(), v.claims(), run(v.claims())));
        }
        if (r instanceof OidcVerifier.Unavailable u) {
            return new AuthOutcome.Unavailable(u.reason(), u.cause(), u.retryAfter());
        }
        return new AuthOutcome.Unauthenticated(((OidcVerifier.Refused) r).reason());
    }

    /** The run an OIDC token names: what lets orgctl release its locks when GitHub says it ended. */
    static Optional<Caller.GitHubRun> run(Map<String, String> claims) {
        String repository = claims.get("repository");
        try {
            long runId = Long.parseLong(claims.getOrDefault("run_id", ""));
            String attempt = claims.get("run_attempt");
            return Optional.of(new Caller.GitHubRun(repository, runId, attempt == null ? 0 : Integer.parseInt(attempt)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean allows(Caller caller, String name, Access access) {
        boolean allowed;
        String because;
        if (caller.kind().equals(KIND_TOKEN)) {
            // read again, not remembered from authenticate: a token revoked in between stops here too
            Optional<TokenRecord> t = tokens.find(caller.subject());
            allowed = t.isPresent() && t.get().allows(name, access);
            because = t.isEmpty() ? "token revoked" : allowed ? "token scope" : "outside the token's scope";
        } else if (caller.kind().equals(KIND_OIDC)) {
            Optional<StatePolicy.Rule> rule = policy.allowing(caller.claims(), name, access);
            allowed = rule.isPresent();
            because = rule.map(r -> "policy rule at " + r.where()).orElse("no policy rule allows it");
        } else {
            allowed = false;
            because = "unknown caller kind";
        }
        log.atDebug().addKeyValue("state", name).addKeyValue("access", access).addKeyValue("caller", caller.subject())
                .addKeyValue("repository", caller.claims().get("repository")).addKeyValue("allowed", allowed)
                .log(because);
        return allowed;
    }
}
