package dev.orgctl.tfstate.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A real OIDC issuer for tests, as GitHub Actions runs one: an HTTP server on loopback serving the
 * discovery document and the JWK set of keys the test generated, counting how often the set is
 * fetched, and minting tokens with GitHub Actions' claims.
 */
public final class TestIssuer implements AutoCloseable {
    static final String JWKS_PATH = "/.well-known/jwks";

    private final int port;
    private final List<RSAKey> published = new CopyOnWriteArrayList<>();
    private final AtomicInteger jwksFetches = new AtomicInteger();
    private volatile HttpServer server;
    private volatile String discoveredIssuer;
    private volatile int jwksStatus = 200;

    private TestIssuer(int port) {
        this.port = port;
        this.discoveredIssuer = url();
    }

    public static TestIssuer start() {
        HttpServer server = listen(0);
        TestIssuer issuer = new TestIssuer(server.getAddress().getPort());
        issuer.serve(server);
        return issuer;
    }

    private static HttpServer listen(int port) {
        try {
            return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void serve(HttpServer s) {
        s.createContext("/.well-known/openid-configuration", this::discovery);
        s.createContext(JWKS_PATH, this::jwks);
        s.start();
        server = s;
    }

    /** After {@link #close}: the issuer is back at its address, with the same keys (an outage that ended). */
    public void restart() {
        serve(listen(port));
    }

    /** The JWK set is answered with this status and an error body, not the keys (an issuer failing). */
    public void answerJwksWith(int status) {
        jwksStatus = status;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    URI uri() {
        return URI.create(url());
    }

    /** A new 2048-bit RSA key with this key id; not published until {@link #publish}. */
    public static RSAKey newKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds keys to the JWK set the issuer serves (their public halves). */
    public void publish(RSAKey... keys) {
        published.addAll(List.of(keys));
    }

    /** The discovery document will name this issuer instead of itself (a misconfigured or hostile issuer). */
    void discoveryNames(String issuer) {
        discoveredIssuer = issuer;
    }

    int jwksFetches() {
        return jwksFetches.get();
    }

    /** GitHub Actions' claims for a run of {@code repository} on {@code ref}, valid from {@code now} for 5 minutes. */
    JWTClaimsSet.Builder claims(String repository, String ref, Instant now) {
        return new JWTClaimsSet.Builder()
                .issuer(url())
                .audience("orgctl")
                .subject("repo:" + repository + ":ref:" + ref)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now.minusSeconds(60)))
                .expirationTime(Date.from(now.plusSeconds(300)))
                .jwtID("jti-" + now.toEpochMilli())
                .claim("repository", repository)
                .claim("repository_owner", repository.substring(0, repository.indexOf('/')))
                .claim("ref", ref)
                .claim("ref_type", "branch")
                .claim("workflow", "terraform")
                .claim("event_name", "push")
                .claim("job_workflow_ref", repository + "/.github/workflows/terraform.yml@" + ref)
                .claim("run_id", "9876543210")
                .claim("run_number", "17")
                .claim("run_attempt", "2")
                .claim("actor", "octocat");
    }

    /** A token signed RS256 by {@code key}, with the claims {@code edit} makes of the default ones. */
    public String token(RSAKey key, Instant now, UnaryOperator<JWTClaimsSet.Builder> edit) {
        return sign(key, JWSAlgorithm.RS256, edit.apply(claims("acme/infra", "refs/heads/main", now)).build());
    }

    static String sign(RSAKey key, JWSAlgorithm alg, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).type(JOSEObjectType.JWT).keyID(key.getKeyID())
                    .build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private void discovery(HttpExchange x) throws IOException {
        String doc = "{\"issuer\":\"" + discoveredIssuer + "\",\"jwks_uri\":\"" + url() + JWKS_PATH + "\","
                + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}";
        answer(x, doc);
    }

    private void jwks(HttpExchange x) throws IOException {
        jwksFetches.incrementAndGet();
        int status = jwksStatus;
        if (status != 200) {
            byte[] body = "upstream failure".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(status, body.length);
            x.getResponseBody().write(body);
            x.close();
            return;
        }
        List<JWK> pub = new ArrayList<>();
        for (RSAKey k : published) {
            pub.add(k.toPublicJWK());
        }
        answer(x, new JWKSet(pub).toString());
    }

    private static void answer(HttpExchange x, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(200, body.length);
        x.getResponseBody().write(body);
        x.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
