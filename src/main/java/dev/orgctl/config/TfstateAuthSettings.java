package dev.orgctl.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * How the Terraform state backend authenticates callers: which GitHub Actions OIDC ID tokens it
 * accepts, and where its access policy is.
 *
 * @param issuer     the tokens' {@code iss}; its keys are found through its OpenID discovery document
 * @param audience   the {@code aud} a token must name
 * @param policyFile the orgctl.yaml that was read, whose {@code tfstate.policy} list is the access
 *                   policy (read by {@code tfstate.auth.StatePolicy}); empty when no file was read
 */
public record TfstateAuthSettings(URI issuer, String audience, Optional<Path> policyFile) {
    static final String ISSUER_RULE = "expected an https URL without query or fragment, such as "
            + "https://token.actions.githubusercontent.com (plain http only on a loopback address)";
    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

    /**
     * The signing keys are fetched from the issuer: over plain http anyone on the path could hand
     * out their own keys and so mint tokens. Loopback is allowed for a local issuer (tests).
     */
    static boolean acceptableIssuer(URI u) {
        if (u.getHost() == null || u.getRawQuery() != null || u.getRawFragment() != null || u.getUserInfo() != null) {
            return false;
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        return scheme.equals("https") || scheme.equals("http") && LOOPBACK.contains(u.getHost());
    }
}
