package dev.orgctl.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orgctl.nats.topology.Topology;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/**
 * The delivery GUIDs the gateway has taken on, in the {@code ORGCTL_DELIVERIES} KV bucket: one key
 * per GUID, kept for the bucket's TTL (the de-duplication window, 7 days by default). The value
 * is a small JSON document: the subject the delivery is published under, the stream sequence
 * once a repeat has needed it, and which gateway process took it on. The entry's creation time
 * (the server's clock) bounds where in the stream its message can be. See {@link Ingestor}.
 */
final class DeliveryLedger {
    /** JetStream's "wrong last sequence": the key exists (create lost) or changed (compare-and-set lost). */
    static final int WRONG_LAST_SEQUENCE = 10071;

    /** One delivery's entry; {@code seq} is 0 until recorded. */
    record Entry(String subject, long seq, long revision, Instant created) {
    }

    private final KeyValue kv;
    private final String instance;

    DeliveryLedger(KeyValue kv, String instance) {
        this.kv = kv;
        this.instance = instance;
    }

    private static String bucket() {
        return Topology.DELIVERIES_BUCKET;
    }

    /**
     * Takes a delivery on (create-if-absent).
     *
     * @return the new entry's revision, or empty when the GUID is already known
     */
    Optional<Long> create(String delivery, String subject) throws NatsFailure {
        try {
            return Optional.of(kv.create(delivery, encode(subject, 0)));
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                return Optional.empty();
            }
            throw NatsFailure.of("cannot record delivery in " + bucket(), e);
        } catch (IOException | RuntimeException e) {
            throw NatsFailure.of("cannot record delivery in " + bucket(), e);
        }
    }

    /**
     * Writes the stream sequence into an entry (compare-and-set on its revision).
     *
     * @return false when the entry changed since {@code revision}
     */
    boolean recordSequence(String delivery, long revision, String subject, long seq) throws NatsFailure {
        try {
            kv.update(delivery, encode(subject, seq), revision);
            return true;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                return false;
            }
            throw NatsFailure.of("cannot update delivery in " + bucket(), e);
        } catch (IOException | RuntimeException e) {
            throw NatsFailure.of("cannot update delivery in " + bucket(), e);
        }
    }

    /** The current entry; empty when there is none (never seen, expired or deleted). */
    Optional<Entry> get(String delivery) throws NatsFailure {
        KeyValueEntry e;
        try {
            e = kv.get(delivery);
        } catch (IOException | JetStreamApiException | RuntimeException ex) {
            throw NatsFailure.of("cannot read delivery from " + bucket(), ex);
        }
        if (e == null || e.getOperation() != KeyValueOperation.PUT || e.getValue() == null) {
            return Optional.empty();
        }
        return Optional.of(decode(e));
    }

    private byte[] encode(String subject, long seq) {
        ObjectNode n = Payloads.JSON.createObjectNode();
        n.put("subject", subject);
        if (seq > 0) {
            n.put("stream_seq", seq);
        }
        n.put("by", instance);
        try {
            return Payloads.JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Entry decode(KeyValueEntry e) {
        Instant created = e.getCreated() == null ? Instant.EPOCH : e.getCreated().toInstant();
        try {
            JsonNode n = Payloads.JSON.readTree(e.getValue());
            return new Entry(n.path("subject").asText(""), Math.max(0, n.path("stream_seq").asLong(0)),
                    e.getRevision(), created);
        } catch (IOException ex) {
            // Not ours or damaged: no sequence, so a repeat searches the stream.
            return new Entry("", 0, e.getRevision(), created);
        }
    }
}
