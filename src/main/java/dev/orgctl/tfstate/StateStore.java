package dev.orgctl.tfstate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.orgctl.nats.KvCas;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.ObjectStore;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.ObjectInfo;
import io.nats.client.api.ObjectMeta;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Terraform states in JetStream. Every write stores the bytes as a new object (chunked by the object
 * store, so tens of MB are fine) under a name no other write uses, then switches the state's record
 * in {@code ORGCTL_TFSTATE} to it by compare-and-set: a reader sees the old version or the new one,
 * never half of one. Versions beyond the last {@code keep} are deleted after the switch. With keys,
 * the stored bytes are AES-GCM ciphertext and each version records its key id.
 */
public final class StateStore {
    private static final Logger log = LoggerFactory.getLogger(StateStore.class);
    static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final int MAX_ATTEMPTS = 20;

    private final KeyValue records;
    private final ObjectStore objects;
    private final KvCas cas;
    private final StateCipher cipher;
    private final int keep;
    private final Clock clock;

    /**
     * @param keep versions kept per state (the current one included), at least 1
     */
    public StateStore(Connection connection, Optional<StateKeys> keys, int keep, Clock clock) {
        if (keep < 1) {
            throw new IllegalArgumentException("at least one version must be kept, not " + keep);
        }
        try {
            this.records = connection.keyValue(Topology.TFSTATE_BUCKET);
            this.objects = connection.objectStore(Topology.TFSTATE_OBJECTS);
        } catch (IOException e) {
            throw new NatsUnavailableException("the Terraform state store needs " + Topology.TFSTATE_BUCKET + " and "
                    + Topology.TFSTATE_OBJECTS + " (run 'orgctl topology apply'): " + e.getMessage(), e);
        }
        this.cas = new KvCas(records, MAX_ATTEMPTS, KvCas.CONTENTION);
        this.cipher = new StateCipher(keys);
        this.keep = keep;
        this.clock = clock;
    }

    /** A version's bytes, as Terraform sent them. */
    @SuppressWarnings("ArrayRecordComponent") // state bytes carried to a reader, never compared as a record
    public record Loaded(StateVersion version, byte[] bytes) {
    }

    /** What a write came to. */
    public sealed interface Write permits Written, Fenced {
    }

    /** The write is the current version now. */
    public record Written(StateVersion version) implements Write {
    }

    /** A holder of a newer lock already wrote: this write, under an older lock, is refused. */
    public record Fenced(long token, long newest) implements Write {
    }

    /** The state's record, if it was ever written. */
    public Optional<StateRecord> record(StateName name) {
        try {
            KeyValueEntry e = records.get(name.key());
            return e == null || e.getValue() == null ? Optional.empty() : Optional.of(parse(e.getValue()));
        } catch (IOException | JetStreamApiException e) {
            throw unavailable("read state " + name, e);
        }
    }

    /** The current version and its bytes; empty when the state does not exist or was deleted. */
    public Optional<Loaded> current(StateName name) {
        Optional<StateVersion> v = record(name).flatMap(StateRecord::currentVersion);
        return v.map(version -> new Loaded(version, bytes(name, version)));
    }

    /** A kept version and its bytes. */
    public Optional<Loaded> version(StateName name, long version) {
        return record(name).flatMap(r -> r.find(version)).map(v -> new Loaded(v, bytes(name, v)));
    }

    /** Every state with a record, by name (deleted ones included: their versions are kept). */
    public List<StateRecord> list() {
        try {
            List<StateRecord> all = new ArrayList<>();
            for (String key : records.keys()) {
                KeyValueEntry e = records.get(key);
                if (e != null && e.getValue() != null) {
                    all.add(parse(e.getValue()));
                }
            }
            all.sort((a, b) -> a.name().compareTo(b.name()));
            return all;
        } catch (IOException | JetStreamApiException e) {
            throw unavailable("list states", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TfstateException("interrupted while listing states", e, true);
        }
    }

    /**
     * Stores {@code state} as the new current version.
     *
     * @param fence the writer's lock fencing token, if it writes under a lock, asked again right before
     *              each compare-and-set (after the bytes are stored) so a lock lost during the upload is
     *              seen; it throws to refuse the write. A write whose token is older than one a write
     *              already carried is refused ({@link Fenced})
     * @param by    who writes, for the history
     * @param note  "" for an ordinary write
     * @throws StateJson.BadState when the bytes are not a JSON object (Terraform's states are)
     */
    public Write put(StateName name, byte[] state, Fence fence, String by, String note) {
        StateJson meta = StateJson.of(state);
        StateCipher.Sealed sealed = cipher.seal(name, state);
        String object = name.key() + "/" + UUID.randomUUID();
        try {
            ObjectInfo info = objects.put(ObjectMeta.objectName(object), new ByteArrayInputStream(sealed.bytes()));
            if (info.getSize() != sealed.bytes().length) {
                throw new TfstateException("the object store kept " + info.getSize() + " of " + sealed.bytes().length
                        + " bytes of state " + name, true);
            }
        } catch (IOException | JetStreamApiException e) {
            throw unavailable("store state " + name, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String sha = sha256(state);
        KvCas.Outcome<Decided> outcome;
        try {
            outcome = cas.update(name.key(), cur -> {
                StateRecord before = cur.absent() ? StateRecord.empty(name) : parse(cur.value());
                OptionalLong held = fence.token();
                long token = held.orElse(0);
                if (held.isPresent() && before.fence() > token) {
                    return KvCas.Decision.keep(new Decided(before, before, new Fenced(token, before.fence())));
                }
                StateVersion v = new StateVersion(before.next(), object, state.length, sha, meta.serial(),
                        meta.lineage(), sealed.keyId(), clock.instant().toString(), by, note);
                StateRecord after = before.with(v, token, keep);
                return KvCas.Decision.put(bytes(after), new Decided(before, after, new Written(v)));
            });
        } catch (IOException | JetStreamApiException e) {
            deleteQuietly(name, object);
            throw unavailable("switch state " + name, e);
        } catch (RuntimeException e) {
            deleteQuietly(name, object);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deleteQuietly(name, object);
            throw new TfstateException("interrupted while writing state " + name, e, true);
        }
        if (outcome instanceof KvCas.Outcome.Written<Decided> w) {
            for (StateVersion dropped : w.result().before().droppedIn(w.result().after())) {
                deleteQuietly(name, dropped.object());
            }
            return w.result().write();
        }
        deleteQuietly(name, object);
        if (outcome instanceof KvCas.Outcome.Kept<Decided> k) {
            return k.result().write();
        }
        throw new TfstateException("state " + name + " is written by others too often; try again", true);
    }

    /** The writer's lock, as the store asks for it just before switching the current version. */
    @FunctionalInterface
    public interface Fence {
        /** A write that takes no lock (Terraform with locking off, where nobody holds one). */
        Fence NONE = OptionalLong::empty;

        /**
         * @return the fencing token of the writer's lock, or empty when it writes without one
         * @throws TfstateException to refuse the write (the writer does not hold the lock)
         */
        OptionalLong token();
    }

    private record Decided(StateRecord before, StateRecord after, Write write) {
    }

    /**
     * Deletes the state as Terraform's DELETE asks: no current version any more (GET answers 404),
     * but the kept versions stay for history and rollback.
     *
     * @return whether there was a current version
     */
    public boolean delete(StateName name) {
        try {
            KvCas.Outcome<Boolean> o = cas.update(name.key(), cur -> {
                if (cur.absent()) {
                    return KvCas.Decision.keep(false);
                }
                StateRecord r = parse(cur.value());
                return r.current() == 0 ? KvCas.Decision.keep(false) : KvCas.Decision.put(bytes(r.deleted()), true);
            });
            if (o instanceof KvCas.Outcome.Written<Boolean> w) {
                return w.result();
            }
            if (o instanceof KvCas.Outcome.Kept<Boolean> k) {
                return k.result();
            }
            throw new TfstateException("state " + name + " is written by others too often; try again", true);
        } catch (IOException | JetStreamApiException e) {
            throw unavailable("delete state " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TfstateException("interrupted while deleting state " + name, e, true);
        }
    }

    private byte[] bytes(StateName name, StateVersion v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 64, v.size() + 64));
        try {
            objects.get(v.object(), out);
        } catch (IOException | JetStreamApiException e) {
            throw unavailable("read version " + v.version() + " of state " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TfstateException("interrupted while reading state " + name, e, true);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] plain = cipher.open(name, v.version(), out.toByteArray(), v.keyId());
        if (!sha256(plain).equals(v.sha256())) {
            // Never hand Terraform a state that is not the one written (a lost chunk, a changed object).
            throw new TfstateException("version " + v.version() + " of state " + name + " does not match its digest; "
                    + "the stored object is damaged", false);
        }
        return plain;
    }

    private void deleteQuietly(StateName name, String object) {
        try {
            objects.delete(object);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            log.atWarn().addKeyValue("state", name.value()).addKeyValue("object", object)
                    .log("could not delete a state object no version uses: " + e.getMessage());
        }
    }

    static StateRecord parse(byte[] value) {
        try {
            return JSON.readValue(value, StateRecord.class);
        } catch (IOException e) {
            throw new TfstateException("a state record in " + Topology.TFSTATE_BUCKET + " cannot be read: "
                    + e.getMessage(), false);
        }
    }

    static byte[] bytes(StateRecord r) {
        try {
            return JSON.writeValueAsBytes(r);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TfstateException unavailable(String what, Exception e) {
        return new TfstateException("JetStream could not " + what + ": " + e.getMessage(), e, true);
    }
}
