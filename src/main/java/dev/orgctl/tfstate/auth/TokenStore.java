package dev.orgctl.tfstate.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orgctl.nats.JetStreamErrors;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * orgctl tokens for the Terraform state backend, one KV entry per token name in
 * {@code ORGCTL_TFSTATE_TOKENS}. A token is {@code orgctl_tfs_NAME.SECRET}: the fixed prefix lets
 * secret scanners and people recognize it, the name finds its entry in one read, the secret is 256
 * random bits. Only the secret's hash is stored.
 *
 * <p>The hash is a plain SHA-256, not a password hash (bcrypt, scrypt, Argon2): those slow down
 * guessing a low-entropy secret a person chose; a 256-bit random secret cannot be guessed at any
 * speed, so a slow hash would only cost every Terraform request its price.
 */
public final class TokenStore {
    public static final String PREFIX = "orgctl_tfs_";
    /** Token names: a KV key of one token, and no {@code .}, which separates the name from the secret. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern STATE_PATTERN = Pattern.compile("[A-Za-z0-9._/*?-]{1,200}");
    private static final int SECRET_BYTES = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KeyValue kv;
    private final Clock clock;
    private final SecureRandom random;

    public TokenStore(KeyValue kv, Clock clock, SecureRandom random) {
        this.kv = kv;
        this.clock = clock;
        this.random = random;
    }

    /** What is stored: the record and the hash of the secret. */
    record Stored(String name, List<String> states, boolean write, String created,
                  @JsonProperty("created_by") String createdBy, String sha256) {
        TokenRecord record() {
            return new TokenRecord(name, states, write, Instant.parse(created), createdBy);
        }
    }

    /** The outcome of {@link #create}. */
    public sealed interface Created permits Issued, NameTaken {
    }

    /** @param token the token itself: shown once, stored nowhere */
    public record Issued(String token, TokenRecord record) implements Created {
        @Override
        public String toString() {
            return "Issued[" + record + "]"; // never the token
        }
    }

    public record NameTaken(String name) implements Created {
    }

    /** Why a token name is not acceptable, if it is not. */
    public static Optional<String> nameProblem(String name) {
        return NAME.matcher(name).matches() ? Optional.empty()
                : Optional.of("'" + name + "' is not a token name: 1 to 64 letters, digits, _ and -");
    }

    /** Why a state pattern is not acceptable, if it is not. */
    public static Optional<String> patternProblem(String pattern) {
        return STATE_PATTERN.matcher(pattern).matches() ? Optional.empty()
                : Optional.of("'" + pattern + "' is not a state name pattern: letters, digits, . _ - and / with the "
                        + "wildcards * ** ?");
    }

    public Created create(String name, List<String> states, boolean write, String createdBy) {
        nameProblem(name).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        });
        states.forEach(s -> patternProblem(s).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        }));
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        String token = PREFIX + name + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        TokenRecord record = new TokenRecord(name, states, write, clock.instant(), createdBy);
        Stored stored = new Stored(name, states, write, record.created().toString(), createdBy, hash(token));
        try {
            kv.create(name, JSON.writeValueAsBytes(stored));
            return new Issued(token, record);
        } catch (JetStreamApiException e) {
            if (JetStreamErrors.isConflict(e)) {
                return new NameTaken(name);
            }
            throw failure(e);
        } catch (IOException e) {
            throw failure(e);
        }
    }

    /** The token's record when the token is one of ours and not revoked. */
    public Optional<TokenRecord> verify(String token) {
        if (!token.startsWith(PREFIX)) {
            return Optional.empty();
        }
        int dot = token.indexOf('.', PREFIX.length());
        if (dot < 0 || nameProblem(token.substring(PREFIX.length(), dot)).isPresent()) {
            return Optional.empty();
        }
        return stored(token.substring(PREFIX.length(), dot))
                // constant time: how much of a guessed hash matched must not show in the answer's timing
                .filter(s -> MessageDigest.isEqual(s.sha256().getBytes(StandardCharsets.US_ASCII),
                        hash(token).getBytes(StandardCharsets.US_ASCII)))
                .map(Stored::record);
    }

    public Optional<TokenRecord> find(String name) {
        return nameProblem(name).isPresent() ? Optional.empty() : stored(name).map(Stored::record);
    }

    /** Every token, by name. */
    public List<TokenRecord> list() {
        List<TokenRecord> out = new ArrayList<>();
        try {
            for (String key : kv.keys()) {
                stored(key).map(Stored::record).ifPresent(out::add);
            }
        } catch (JetStreamApiException | IOException e) {
            throw failure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(e);
        }
        out.sort(Comparator.comparing(TokenRecord::name));
        return out;
    }

    /** Deletes the token (its entry and history): it stops working at once. False when there was none. */
    public boolean revoke(String name) {
        if (find(name).isEmpty()) {
            return false;
        }
        try {
            kv.purge(name);
            return true;
        } catch (JetStreamApiException | IOException e) {
            throw failure(e);
        }
    }

    private Optional<Stored> stored(String name) {
        try {
            KeyValueEntry e = kv.get(name);
            if (e == null || e.getOperation() != KeyValueOperation.PUT || e.getValue() == null) {
                return Optional.empty();
            }
            return Optional.of(JSON.readValue(e.getValue(), Stored.class));
        } catch (JetStreamApiException | IOException e) {
            throw failure(e);
        }
    }

    static String hash(String token) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    private static RuntimeException failure(Exception e) {
        return new NatsUnavailableException("the token bucket " + Topology.TFSTATE_TOKENS_BUCKET + " cannot be read "
                + "or written: " + e.getMessage(), e);
    }
}
