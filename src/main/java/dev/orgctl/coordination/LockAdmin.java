package dev.orgctl.coordination;

import dev.orgctl.nats.JetStreamErrors;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.proto.LockHolder;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What {@code orgctl lock} does with a bucket's locks: list, inspect, and break one by force. */
final class LockAdmin {
    // Under LockService's name: the forced release is the line operators' log filters look for.
    private static final Logger log = LoggerFactory.getLogger(LockService.class);

    private final KeyValue kv;
    private final String bucket;
    private final Duration ttl;
    private final LockService.Identity identity;

    LockAdmin(KeyValue kv, String bucket, Duration ttl, LockService.Identity identity) {
        this.kv = kv;
        this.bucket = bucket;
        this.ttl = ttl;
        this.identity = identity;
    }

    List<LockService.LockInfo> list() {
        List<LockService.LockInfo> out = new ArrayList<>();
        try {
            for (String key : kv.keys()) {
                inspectKey(key).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot list locks in " + bucket + ": " + e.getMessage(), e);
        } catch (JetStreamApiException e) {
            throw new CoordinationException("cannot list locks in " + bucket + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsUnavailableException("interrupted while listing locks", e);
        }
        out.sort(Comparator.comparing(LockService.LockInfo::name));
        return out;
    }

    Optional<LockService.LockInfo> inspect(String name) {
        return inspectKey(KeyCodec.encode(name));
    }

    boolean forceRelease(String name, long expectedRevision) {
        String key = KeyCodec.encode(name);
        try {
            kv.delete(key, expectedRevision);
            log.atWarn().addKeyValue("lock", name).addKeyValue("bucket", bucket)
                    .addKeyValue("revision", expectedRevision).addKeyValue("by", identity.user() + "@" + identity.host())
                    .log("lock released by force");
            return true;
        } catch (JetStreamApiException e) {
            if (JetStreamErrors.isConflict(e)) {
                return false;
            }
            throw new CoordinationException("cannot release " + name + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot release " + name + ": " + e.getMessage(), e);
        }
    }

    private Optional<LockService.LockInfo> inspectKey(String key) {
        KeyValueEntry e;
        try {
            e = kv.get(key);
        } catch (IOException ex) {
            throw new NatsUnavailableException("cannot read lock " + key + ": " + ex.getMessage(), ex);
        } catch (JetStreamApiException ex) {
            throw new CoordinationException("cannot read lock " + key + ": " + ex.getMessage(), ex);
        }
        if (e == null || e.getOperation() != KeyValueOperation.PUT) {
            return Optional.empty();
        }
        String name;
        try {
            name = KeyCodec.decode(key);
        } catch (IllegalArgumentException ex) {
            name = key;
        }
        LockHolder holder = LockStore.parseHolder(e.getValue()).orElse(LockHolder.getDefaultInstance());
        return Optional.of(new LockService.LockInfo(name, key, bucket, holder, e.getRevision(),
                e.getCreated().toInstant(), ttl));
    }
}
