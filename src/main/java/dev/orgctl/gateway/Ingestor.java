package dev.orgctl.gateway;

import io.nats.client.Connection;
import io.nats.client.api.PublishAck;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a verified delivery into JetStream at most once per delivery GUID, beyond JetStream's
 * 2-minute duplicate window, across restarts and across gateway replicas.
 *
 * <h2>Protocol</h2>
 * <ol>
 *   <li><b>Take the GUID on</b>: {@code create(guid, {subject})} in {@code ORGCTL_DELIVERIES}.
 *       Create-if-absent is atomic on the server: exactly one attempt, in any replica, ever takes a
 *       GUID on while its entry lives (the bucket's TTL, 7 days by default).</li>
 *   <li><b>Publish</b> with {@code Nats-Msg-Id = guid}, wait for the ack, answer 202. The stream
 *       sequence is <em>not</em> written back on this path: that would be a third JetStream write
 *       per delivery for the benefit of repeats, which are rare.</li>
 *   <li><b>A repeat</b> (the create finds the key) reads the entry. If it holds the stream
 *       sequence: 200 duplicate. If not, the stream is searched for the first attempt's message:
 *       on the recorded subject, stored since the entry was created, with this message id (the
 *       subject's last message first, which is usually it). Found: the sequence is written into the
 *       entry (compare-and-set), so later repeats cost one read, and the answer is 200 duplicate.
 *       Not found (the first attempt died before its message was stored, or is still on its way):
 *       publish with the same message id and write the sequence.</li>
 * </ol>
 *
 * <h2>Crash windows</h2>
 * <ul>
 *   <li>Dies after the create, before the publish: nothing in the stream; a redelivery searches,
 *       finds nothing, publishes. Once.</li>
 *   <li>Dies (or loses NATS) after the message was stored, before GitHub got the 202: GitHub shows
 *       a failure; a redelivery finds the message by its id and answers duplicate. Once.</li>
 *   <li>A repeat races the first attempt (two replicas, same GUID): the repeat may search before
 *       the first message is stored and publish too, milliseconds apart, with the same message id:
 *       JetStream's duplicate window (2 minutes) stores one and acks the other as a duplicate with
 *       the same sequence; exactly one request gets 202.</li>
 *   <li>Remaining window: a first attempt whose message reaches the stream after a repeat's search
 *       and more than the duplicate window after the repeat's own publish. The gateway's connection
 *       keeps no reconnect buffer, so nothing is queued while disconnected; what remains is a
 *       message already handed to a connection that stalls (half-open TCP) and is flushed after a
 *       reconnect minutes later, while a redelivery came and went in between.</li>
 *   <li>Retention: the search needs the first message to still be in {@code GITHUB_EVENTS} (7 days,
 *       8 GiB, oldest discarded first). A repeat of a delivery whose message was discarded early
 *       and whose sequence was never recorded is published again. Entries expire after the window;
 *       after that a redelivery is new.</li>
 * </ul>
 */
final class Ingestor {
    private static final Logger log = LoggerFactory.getLogger(Ingestor.class);
    /**
     * All JetStream work of one delivery must end within this, so that GitHub (which gives up after
     * 10 s) gets an answer: a call that might not finish in time is not started, and the answer is
     * 503 instead.
     */
    static final Duration REQUEST_BUDGET = Duration.ofSeconds(8);

    private final Connection connection;
    private final DeliveryLedger ledger;
    private final EventPublisher publisher;
    private final GatewayMetrics metrics;
    private final long callNanos;

    Ingestor(Connection connection, DeliveryLedger ledger, EventPublisher publisher, GatewayMetrics metrics,
             Duration natsTimeout) {
        this.connection = connection;
        this.ledger = ledger;
        this.publisher = publisher;
        this.metrics = metrics;
        this.callNanos = natsTimeout.toNanos();
    }

    /** Fails unless {@code calls} more JetStream calls fit before the deadline. */
    private void needTime(long deadline, int calls) throws NatsFailure {
        if (deadline - System.nanoTime() < calls * callNanos) {
            throw new NatsFailure("out of time for this delivery (JetStream is slow)", null);
        }
    }

    Outcome ingest(Delivery d) {
        Connection.Status status = connection.getStatus();
        if (status != Connection.Status.CONNECTED) {
            // Fast 503: nothing is sent, so nothing can arrive later behind GitHub's back.
            return new Outcome.Unavailable("NATS connection is " + status.name().toLowerCase(Locale.ROOT));
        }
        try {
            return attempt(d);
        } catch (NatsFailure e) {
            return new Outcome.Unavailable(e.getMessage());
        }
    }

    private Outcome attempt(Delivery d) throws NatsFailure {
        long deadline = System.nanoTime() + REQUEST_BUDGET.toNanos();
        for (int round = 0; round < 3; round++) {
            needTime(deadline, 2);
            if (ledger.create(d.id(), d.subject()).isPresent()) {
                needTime(deadline, 1);
                PublishAck ack = publish(d);
                // A duplicate ack here means the entry had expired or was removed while the message
                // was still inside JetStream's own window: still the first one's sequence.
                return ack.isDuplicate() ? new Outcome.Duplicate(ack.getSeqno(), Outcome.Source.JETSTREAM)
                        : new Outcome.Published(ack.getSeqno());
            }
            Optional<DeliveryLedger.Entry> entry = ledger.get(d.id());
            if (entry.isEmpty()) {
                continue; // expired or removed between our create and get: take it on again
            }
            DeliveryLedger.Entry e = entry.get();
            if (e.seq() > 0) {
                return new Outcome.Duplicate(e.seq(), Outcome.Source.LEDGER);
            }
            return resolve(d, e, deadline);
        }
        throw new NatsFailure("the ledger entry of this delivery keeps changing", null);
    }

    /** A repeat of a delivery whose sequence is not recorded: find the first message, or publish. */
    private Outcome resolve(Delivery d, DeliveryLedger.Entry e, long deadline) throws NatsFailure {
        String subject = e.subject().isEmpty() ? d.subject() : e.subject();
        needTime(deadline, 2); // the search, and a publish after it
        Duration searchBudget = Duration.ofNanos(deadline - System.nanoTime() - callNanos);
        OptionalLong found = publisher.find(subject, d.id(), e.created(), searchBudget);
        if (found.isPresent()) {
            record(d, e.revision(), subject, found.getAsLong(), deadline);
            return new Outcome.Duplicate(found.getAsLong(), Outcome.Source.STREAM_SEARCH);
        }
        log.atInfo().addKeyValue("delivery", d.id()).addKeyValue("event", d.event())
                .addKeyValue("taken_at", e.created())
                .log("repeat of a delivery whose first attempt stored nothing; publishing it");
        needTime(deadline, 1);
        PublishAck ack = publish(d);
        record(d, e.revision(), d.subject(), ack.getSeqno(), deadline);
        return ack.isDuplicate() ? new Outcome.Duplicate(ack.getSeqno(), Outcome.Source.JETSTREAM)
                : new Outcome.Published(ack.getSeqno());
    }

    private PublishAck publish(Delivery d) throws NatsFailure {
        long start = System.nanoTime();
        PublishAck ack = publisher.publish(d);
        metrics.publishLatency(System.nanoTime() - start);
        return ack;
    }

    /**
     * Writes the sequence into the entry; losing the race, failing, or skipping it for lack of time
     * costs only a later search.
     */
    private void record(Delivery d, long revision, String subject, long seq, long deadline) {
        try {
            needTime(deadline, 1);
            if (!ledger.recordSequence(d.id(), revision, subject, seq)) {
                Optional<DeliveryLedger.Entry> now = ledger.get(d.id());
                if (now.isPresent() && now.get().seq() > 0 && now.get().seq() != seq) {
                    log.atError().addKeyValue("delivery", d.id()).addKeyValue("event", d.event())
                            .addKeyValue("stream_seq", seq).addKeyValue("other_stream_seq", now.get().seq())
                            .log("delivery stored twice: two attempts published outside JetStream's duplicate window");
                }
            }
        } catch (NatsFailure f) {
            log.atDebug().addKeyValue("delivery", d.id()).addKeyValue("event", d.event())
                    .addKeyValue("error", f.getMessage()).log("could not record the stream sequence; a repeat will search");
        }
    }
}
