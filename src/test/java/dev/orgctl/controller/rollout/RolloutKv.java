package dev.orgctl.controller.rollout;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.proto.CiRecord;
import dev.orgctl.proto.Rollout;
import dev.orgctl.proto.RolloutPin;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Reads {@code ORGCTL_ROLLOUTS} by the key layout rollout.proto documents, independently of the
 * engine's own store: what a test asserts is what is recorded, not what the engine's reader makes
 * of it. Read errors propagate, so a wait around a NATS restart must ignore them.
 */
final class RolloutKv {
    static final String BUCKET = "ORGCTL_ROLLOUTS";

    private final KeyValue kv;

    RolloutKv(Connection nats) {
        try {
            this.kv = nats.keyValue(BUCKET);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Optional<String> current(String org) {
        return text("current." + KeyCodec.encode(org));
    }

    Optional<String> stable(String org) {
        return text("stable." + KeyCodec.encode(org));
    }

    Optional<Rollout> rollout(String org, String id) {
        return entry(rolloutKey(org, id)).map(e -> parse(e, Rollout.parser()));
    }

    Optional<RolloutPin> pin(String org, String repo) {
        return entry(pinKey(org, repo)).map(e -> parse(e, RolloutPin.parser()));
    }

    Optional<CiRecord> ci(String org, String repo, String sha) {
        return entry(ciKey(org, repo, sha)).map(e -> parse(e, CiRecord.parser()));
    }

    /**
     * Waits until the rollout is recorded and {@code condition} holds for it, and returns that record.
     * Read failures count as "not yet" (NATS may be restarting); a timeout says what was last seen.
     */
    Rollout await(String org, String id, String what, Duration timeout, Predicate<Rollout> condition) {
        AtomicReference<Rollout> seen = new AtomicReference<>();
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> {
                        Optional<Rollout> r = rollout(org, id);
                        r.ifPresent(seen::set);
                        return r.isPresent() && condition.test(r.get());
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out after " + timeout + " waiting for rollout " + id + ": " + what
                    + "; last recorded: " + seen.get(), e);
        }
        return seen.get();
    }

    /** The stream sequence of the key's newest write (0: none): which of two writes came first. */
    long revision(String key) {
        return entry(key).map(KeyValueEntry::getRevision).orElse(0L);
    }

    static String rolloutKey(String org, String id) {
        return "rollout." + KeyCodec.encode(org) + "." + KeyCodec.encode(id);
    }

    static String pinKey(String org, String repo) {
        return "pin." + KeyCodec.encode(org) + "." + KeyCodec.encode(repo);
    }

    static String ciKey(String org, String repo, String sha) {
        return "ci." + KeyCodec.encode(org) + "." + KeyCodec.encode(repo) + "." + sha;
    }

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    private Optional<String> text(String key) {
        return entry(key).map(e -> new String(e.getValue(), StandardCharsets.UTF_8).strip());
    }

    private Optional<KeyValueEntry> entry(String key) {
        try {
            KeyValueEntry e = kv.get(key);
            return e == null || e.getValue() == null || e.getValue().length == 0 ? Optional.empty() : Optional.of(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JetStreamApiException e) {
            throw new IllegalStateException("cannot read " + key + " from " + BUCKET + ": " + e.getMessage(), e);
        }
    }

    private static <T> T parse(KeyValueEntry e, com.google.protobuf.Parser<T> parser) {
        try {
            return parser.parseFrom(e.getValue());
        } catch (InvalidProtocolBufferException ex) {
            throw new AssertionError(e.getKey() + " in " + BUCKET + " is not the record its key names", ex);
        }
    }
}
