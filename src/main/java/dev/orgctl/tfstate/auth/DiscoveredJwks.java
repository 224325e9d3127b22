package dev.orgctl.tfstate.auth;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.URLBasedJWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jose.util.ResourceRetriever;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.text.ParseException;
import java.util.Map;
import java.util.Optional;

/**
 * The issuer's JWK set, found the OpenID Connect way: {@code ISSUER/.well-known/openid-configuration}
 * names {@code jwks_uri}. Discovery happens on the first fetch and again after it failed, never at
 * start, so a service whose issuer is briefly unreachable still starts; its result is kept, since
 * the document changes far more rarely than the keys. Caching and rate limits are nimbus's wrappers
 * around this source ({@link OidcVerifier}).
 *
 * <p>It remembers whether its last fetch failed: nimbus's rate limit counts failed fetches too, so a
 * request refused by the limit cannot tell by itself whether the issuer answered (the token's key id
 * is unknown) or not (the issuer is away, and the caller should try again).
 */
final class DiscoveredJwks implements JWKSetSource<SecurityContext> {
    private final String issuer;
    private final ResourceRetriever retriever;
    private volatile URLBasedJWKSetSource<SecurityContext> keys;
    private volatile KeySourceException lastFailure;

    DiscoveredJwks(String issuer, ResourceRetriever retriever) {
        this.issuer = issuer;
        this.retriever = retriever;
    }

    static URL discoveryUrl(String issuer) throws IOException {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        return URI.create(base + "/.well-known/openid-configuration").toURL();
    }

    @Override
    public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refresh, long currentTime, SecurityContext context)
            throws KeySourceException {
        try {
            URLBasedJWKSetSource<SecurityContext> k = keys;
            if (k == null) {
                k = new URLBasedJWKSetSource<>(discover(), retriever);
                keys = k;
            }
            JWKSet set = k.getJWKSet(refresh, currentTime, context);
            lastFailure = null;
            return set;
        } catch (KeySourceException e) {
            lastFailure = e;
            throw e;
        }
    }

    /** Why the last fetch of the discovery document or the JWK set failed; empty when it succeeded (or none was made). */
    Optional<KeySourceException> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    private URL discover() throws KeySourceException {
        Map<String, Object> doc;
        try {
            doc = JSONObjectUtils.parse(retriever.retrieveResource(discoveryUrl(issuer)).getContent());
        } catch (IOException | ParseException e) {
            throw new KeySourceException("the OIDC issuer's discovery document could not be read", e);
        }
        try {
            // OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer it was asked for
            if (!issuer.equals(JSONObjectUtils.getString(doc, "issuer"))) {
                throw new KeySourceException("the OIDC issuer's discovery document names another issuer");
            }
            URI jwks = JSONObjectUtils.getURI(doc, "jwks_uri");
            if (jwks == null || !sameSchemeAsIssuer(jwks)) {
                throw new KeySourceException("the OIDC issuer's discovery document has no usable jwks_uri");
            }
            return jwks.toURL();
        } catch (ParseException | IOException | IllegalArgumentException e) {
            throw new KeySourceException("the OIDC issuer's discovery document has no usable jwks_uri", e);
        }
    }

    /** Keys over plain http only when the issuer itself is (a loopback test issuer): never a downgrade. */
    private boolean sameSchemeAsIssuer(URI jwks) {
        return "https".equals(jwks.getScheme()) || URI.create(issuer).getScheme().equals(jwks.getScheme());
    }

    @Override
    public void close() throws IOException {
        URLBasedJWKSetSource<SecurityContext> k = keys;
        if (k != null) {
            k.close();
        }
    }
}
