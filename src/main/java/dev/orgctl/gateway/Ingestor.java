package dev.orgctl.gateway;

import io.nats.client.Connection;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a verified delivery into JetStream at most once per delivery GUID within the
 * de-duplication window, across restarts and across gateway replicas, with one JetStream write.
 *
 * <h2>Protocol</h2>
 * <ol>
 *   <li><b>Known?</b> The {@link DeliveryIndex} (every GUID in {@code GITHUB_EVENTS} of the
 *       window, read from the stream) has it: 200 duplicate with the first copy's sequence.</li>
 *   <li><b>Publish</b> with {@code Nats-Msg-Id = guid}, only while the index is current (else 503),
 *       and answer when JetStream acks: 202, or 200 duplicate when JetStream's own window (2
 *       minutes) recognised the id, with the first copy's sequence.</li>
 * </ol>
 * A repeat the index has not read yet is, by the index's catch-up rule ({@link CatchUp}), less than
 * JetStream's window behind its first copy, so JetStream answers it as a duplicate; two replicas
 * racing on one GUID are the same case. There is no second write to crash between: a message is in
 * the stream, and then in every replica's index, or nowhere.
 *
 * <h2>Remaining windows</h2>
 * <ul>
 *   <li>A publish handed to a connection that stalls (half-open TCP) and is flushed after a
 *       reconnect minutes later, while a redelivery came and went in between: JetStream's window is
 *       over by then, and the index had not seen it.</li>
 *   <li>Retention: the index reads what {@code GITHUB_EVENTS} still holds (7 days, 8 GiB, oldest
 *       discarded first). A delivery whose message was discarded early is forgotten at the next
 *       gateway start. After the window, a redelivery is new.</li>
 * </ul>
 */
final class Ingestor {
    private static final Logger log = LoggerFactory.getLogger(Ingestor.class);

    private final Connection connection;
    private final DeliveryIndex index;
    private final EventPublisher publisher;
    private final GatewayMetrics metrics;

    Ingestor(Connection connection, DeliveryIndex index, EventPublisher publisher, GatewayMetrics metrics) {
        this.connection = connection;
        this.index = index;
        this.publisher = publisher;
        this.metrics = metrics;
    }

    /**
     * Takes a delivery in without blocking the caller: the answer completes on jnats's thread when
     * JetStream acks. Never completes exceptionally: failures are {@link Outcome.Unavailable}.
     */
    CompletableFuture<Outcome> ingestAsync(VerifiedDelivery d) {
        Connection.Status status = connection.getStatus();
        if (status != Connection.Status.CONNECTED) {
            // Fast 503: nothing is sent, so nothing can arrive later behind GitHub's back.
            return done(new Outcome.Unavailable("NATS connection is " + status.name().toLowerCase(Locale.ROOT)));
        }
        long known = index.lookup(d.id());
        if (known > 0) {
            return done(new Outcome.Duplicate(known, Outcome.Source.INDEX));
        }
        Optional<String> behind = index.problem();
        if (behind.isPresent()) {
            return done(new Outcome.Unavailable(behind.get()));
        }
        long start = System.nanoTime();
        return publisher.publishAsync(d).handle((ack, err) -> {
            metrics.publishLatency(System.nanoTime() - start);
            if (err != null) {
                Throwable cause = NatsFailure.unwrap(err);
                String reason = cause instanceof NatsFailure ? cause.getMessage()
                        : NatsFailure.of("publish failed", cause).getMessage();
                log.atDebug().addKeyValue("delivery", d.id()).addKeyValue("error", reason).log("delivery not taken");
                return new Outcome.Unavailable(reason);
            }
            // Not put in the index here: its follower reads the message back within milliseconds,
            // and until then JetStream's window answers a repeat.
            return ack.isDuplicate() ? new Outcome.Duplicate(ack.getSeqno(), Outcome.Source.JETSTREAM)
                    : new Outcome.Published(ack.getSeqno());
        });
    }

    private static CompletableFuture<Outcome> done(Outcome o) {
        return CompletableFuture.completedFuture(o);
    }
}
