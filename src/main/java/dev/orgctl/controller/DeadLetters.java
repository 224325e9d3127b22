package dev.orgctl.controller;

import com.google.protobuf.Timestamp;
import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.nats.MessageCodec;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.DeadLetter;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.PublishOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * ORGCTL_DLQ: what failed every attempt or was stopped by a safety layer, with its context and
 * error and the original message, so an operator can read it and send it through again.
 */
public final class DeadLetters {
    public static final String SUBJECT_PREFIX = "orgctl.dlq.";

    private final JetStream js;
    private final JetStreamManagement jsm;

    public DeadLetters(JetStream js, JetStreamManagement jsm) {
        this.js = js;
        this.jsm = jsm;
    }

    /** A dead letter as stored, with its stream sequence (its id for redrive). */
    public record Entry(long seq, DeadLetter letter) {
    }

    /**
     * Stores a dead letter for a message that could not be handled. Called by the {@link Dispatcher}
     * only: the one place that decides a message ends here.
     */
    DeadLetter add(String kind, String org, String repo, Inbound original, String error, int attempts,
                   String stoppedBy, String causationId) {
        DeadLetter.Builder b = DeadLetter.newBuilder().setId(UUID.randomUUID().toString()).setKind(kind)
                .setOrg(nz(org)).setRepo(nz(repo)).setError(nz(error)).setAttempts(attempts).setStoppedBy(nz(stoppedBy))
                .setCausationId(nz(causationId))
                .setFailedAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()));
        b.setOriginalSubject(original.subject());
        b.setOriginalBody(com.google.protobuf.ByteString.copyFrom(original.body()));
        original.headers().forEach((k, values) -> b.putOriginalHeaders(k, String.join(",", values)));
        DeadLetter letter = b.build();
        MessageCodec.Encoded enc = MessageCodec.encode(letter);
        String subject = SUBJECT_PREFIX + kind + "." + KeyCodec.encode(org == null || org.isEmpty() ? "_" : org)
                + (repo == null || repo.isEmpty() ? "" : "." + KeyCodec.encode(repo));
        try {
            js.publish(subject, enc.headers(), enc.body(), PublishOptions.builder().messageId(letter.getId()).build());
            return letter;
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot write to " + Topology.DLQ_STREAM + ": " + e.getMessage(), e);
        }
    }

    public List<Entry> list() {
        List<Entry> out = new ArrayList<>();
        try {
            StreamInfo info = jsm.getStreamInfo(Topology.DLQ_STREAM);
            long first = info.getStreamState().getFirstSequence();
            long last = info.getStreamState().getLastSequence();
            for (long seq = first; seq <= last && seq > 0; seq++) {
                get(seq).ifPresent(out::add);
            }
            return out;
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot read " + Topology.DLQ_STREAM + ": " + e.getMessage(), e);
        }
    }

    public Optional<Entry> get(long seq) {
        try {
            MessageInfo mi = jsm.getMessage(Topology.DLQ_STREAM, seq);
            return Optional.of(new Entry(seq, MessageCodec.decode(mi.getHeaders(), mi.getData(),
                    DeadLetter.getDefaultInstance())));
        } catch (JetStreamApiException e) {
            return Optional.empty(); // deleted (redriven) or expired
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot read " + Topology.DLQ_STREAM + ": " + e.getMessage(), e);
        }
    }

    /** Removes an entry once it was redriven. */
    public void remove(long seq) {
        try {
            jsm.deleteMessage(Topology.DLQ_STREAM, seq);
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot remove dead letter " + seq + ": " + e.getMessage(), e);
        }
    }

    /** Publishes a dead delivery's original message again, under a new message id. */
    public void republishOriginal(Entry e) {
        DeadLetter d = e.letter();
        Headers h = new Headers();
        for (Map.Entry<String, String> kv : d.getOriginalHeadersMap().entrySet()) {
            if (!kv.getKey().equalsIgnoreCase("Nats-Msg-Id")) {
                h.put(kv.getKey(), kv.getValue());
            }
        }
        h.put("Orgctl-Redrive-Of", Long.toString(e.seq()));
        try {
            js.publish(d.getOriginalSubject(), h, d.getOriginalBody().toByteArray(),
                    PublishOptions.builder().messageId("redrive-" + d.getId()).build());
        } catch (IOException | JetStreamApiException ex) {
            throw new NatsUnavailableException("cannot redrive " + e.seq() + ": " + ex.getMessage(), ex);
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
