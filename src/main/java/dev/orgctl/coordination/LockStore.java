package dev.orgctl.coordination;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.orgctl.nats.JetStreamErrors;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.proto.LockHolder;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.MessageInfo;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock records of one bucket: taking a lock is a create-if-absent whose KV revision is the
 * fencing token, confirmed by reading the key back before anyone is told it is held. Renewal and
 * release belong to the holding ({@link Lease}).
 *
 * <p>This is deliberately not the {@code nats.KvCas} loop: a lost race here means "held by someone
 * else" (answered with when the holder last wrote), never "decide again and overwrite".
 */
final class LockStore {
    private static final Logger log = LoggerFactory.getLogger(LockStore.class);
    private static final String KV_OPERATION = "KV-Operation";
    /** Markers that can stand between one look and the next write: a release, then an expiry. */
    private static final int MAX_CREATE_TRIES = 4;
    /** Reads of a fresh create before a disagreement counts (a lagging follower catches up in milliseconds). */
    private static final int READ_BACK_TRIES = 10;
    private static final Duration READ_BACK_PAUSE = Duration.ofMillis(50);

    private final KeyValue kv;
    private final JetStreamManagement jsm;
    private final String bucket;
    private final String stream;
    private final String subjectPrefix;
    private final Duration ttl;
    private final Duration lossMargin;

    LockStore(KeyValue kv, JetStreamManagement jsm, String bucket, Duration ttl, Duration lossMargin) {
        this.kv = kv;
        this.jsm = jsm;
        this.bucket = bucket;
        this.stream = "KV_" + bucket;
        this.subjectPrefix = "$KV." + bucket + ".";
        this.ttl = ttl;
        this.lossMargin = lossMargin;
    }

    KeyValue kv() {
        return kv;
    }

    /** The result of one try to take a lock. */
    sealed interface Attempt {
    }

    /** Taken at {@code revision} (the fencing token); {@code sentNanos}: System.nanoTime() before the write. */
    record Taken(long revision, long sentNanos) implements Attempt {
    }

    /**
     * Held by someone else: the server time and revision of the holder's last write (null and 0 when
     * unknown: gone between our write and our look, or our own lease ran out while we read it back).
     */
    record Held(Instant lastWrite, long revision) implements Attempt {
        static final Held UNKNOWN = new Held(null, 0);
    }

    /**
     * Create-if-absent: a write that expects {@code expected} to be the key's last revision (0: no
     * message at all). If that is not so, a look at the key's last message tells whether it is held
     * (a value) or free (a delete or purge marker, whose revision the write then expects). A release
     * seen by a watcher hands its marker's revision in as {@code expected}: one round trip.
     */
    Attempt tryCreate(String name, String key, LockHolder holder, long expected) {
        byte[] value = holder.toByteArray();
        for (int i = 0; i < MAX_CREATE_TRIES; i++) {
            long sent = System.nanoTime();
            try {
                long revision = kv.update(key, value, expected);
                return readBack(name, key, holder, revision, sent) ? new Taken(revision, sent) : Held.UNKNOWN;
            } catch (JetStreamApiException e) {
                if (!JetStreamErrors.isConflict(e)) {
                    throw new CoordinationException("cannot acquire " + name + ": " + e.getMessage(), e);
                }
            } catch (IOException e) {
                // The write may have reached the server and only the answer was lost: look.
                Optional<KeyValueEntry> entry = getQuietly(key);
                if (entry.isPresent() && parseHolder(entry.get().getValue())
                        .map(h -> h.getLeaseId().equals(holder.getLeaseId())).orElse(false)) {
                    return new Taken(entry.get().getRevision(), sent);
                }
                throw new NatsUnavailableException("cannot acquire " + name + ": " + e.getMessage(), e);
            }
            Optional<MessageInfo> last = lastMessage(key);
            if (last.isEmpty()) {
                expected = 0; // expired (the lease ran out): no message left
                continue;
            }
            if (isMarker(last.get())) {
                expected = last.get().getSeq();
                continue;
            }
            return new Held(last.get().getTime().toInstant(), last.get().getSeq());
        }
        return Held.UNKNOWN;
    }

    /**
     * After a create the server confirmed: the key must read back as this holding, at the revision
     * of that create, before anyone is told the lock is held. A server whose per-key state is
     * corrupt confirms a create over a live holder and then reads the key as empty; believing the
     * create would let two holders in.
     *
     * @return false when the answer came so late that the lease may have run out (a stall, not a
     *         corrupt bucket): the caller treats the lock as not taken
     * @throws LockStateCorruptException when the read disagrees with the write
     */
    private boolean readBack(String name, String key, LockHolder holder, long revision, long sentNanos) {
        KeyValueEntry e = null;
        Optional<LockHolder> seen = Optional.empty();
        // On a cluster the read may be a direct get answered by a follower that has not applied the
        // create yet (ClusterRolloutTest met it right after a leader died): a few short re-reads let it
        // catch up before the disagreement is taken for a corrupt bucket.
        for (int i = 0; i < READ_BACK_TRIES; i++) {
            if (i > 0) {
                pauseBeforeReRead(name, key, revision);
            }
            try {
                e = kv.get(key);
            } catch (IOException | JetStreamApiException ex) {
                deleteQuietly(key, revision);
                throw new NatsUnavailableException("cannot read back lock " + name + " after taking it ("
                        + ex.getMessage() + "); it was given up", ex);
            }
            seen = e == null || e.getOperation() != KeyValueOperation.PUT ? Optional.empty() : parseHolder(e.getValue());
            if (seen.isPresent() && seen.get().getLeaseId().equals(holder.getLeaseId()) && e.getRevision() == revision) {
                return true;
            }
        }
        if (System.nanoTime() - sentNanos >= ttl.minus(lossMargin).toNanos()) {
            return false;
        }
        deleteQuietly(key, revision);
        String observed = seen.isEmpty() ? "a read of the key right after it returns nothing"
                : !seen.get().getLeaseId().equals(holder.getLeaseId())
                        ? "a read of the key right after it shows another holder, " + Lease.describe(seen.get())
                        : "a read of the key right after it shows revision " + e.getRevision() + " instead of " + revision;
        LockStateCorruptException ex = new LockStateCorruptException(bucket, name, observed);
        log.atError().addKeyValue("lock", name).addKeyValue("bucket", bucket).addKeyValue("revision", revision)
                .log(ex.getMessage());
        throw ex;
    }

    private void pauseBeforeReRead(String name, String key, long revision) {
        try {
            Thread.sleep(READ_BACK_PAUSE.toMillis());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            deleteQuietly(key, revision);
            throw new CoordinationException("interrupted while reading back lock " + name + "; it was given up", ex);
        }
    }

    /** Best effort: take back a create that cannot be trusted (a corrupt bucket may refuse this too). */
    private void deleteQuietly(String key, long revision) {
        try {
            kv.delete(key, revision);
        } catch (IOException | JetStreamApiException | RuntimeException ex) {
            log.atDebug().addKeyValue("key", key).addKeyValue("error", ex.toString()).log("could not take back a create");
        }
    }

    private Optional<MessageInfo> lastMessage(String key) {
        try {
            return Optional.of(jsm.getLastMessage(stream, subjectPrefix + key));
        } catch (JetStreamApiException e) {
            if (JetStreamErrors.isNoMessage(e)) {
                return Optional.empty();
            }
            throw new CoordinationException("cannot read lock " + key + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot read lock " + key + ": " + e.getMessage(), e);
        }
    }

    private static boolean isMarker(MessageInfo mi) {
        String op = mi.getHeaders() == null ? null : mi.getHeaders().getFirst(KV_OPERATION);
        return op != null && !op.equals("PUT");
    }

    private Optional<KeyValueEntry> getQuietly(String key) {
        try {
            KeyValueEntry e = kv.get(key);
            return e == null || e.getOperation() != KeyValueOperation.PUT ? Optional.empty() : Optional.of(e);
        } catch (IOException | JetStreamApiException e) {
            return Optional.empty();
        }
    }

    static Optional<LockHolder> parseHolder(byte[] value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(LockHolder.parseFrom(value));
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        }
    }

    static Instant toInstant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}
