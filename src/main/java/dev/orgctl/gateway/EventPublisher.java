package dev.orgctl.gateway;

import dev.orgctl.nats.topology.Topology;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Publishes deliveries to {@code GITHUB_EVENTS} and, for the first repeat of a delivery, looks in
 * the stream for its message by {@code Nats-Msg-Id}.
 */
final class EventPublisher {
    static final String STREAM = Topology.EVENTS_STREAM;
    static final String MSG_ID = "Nats-Msg-Id";
    /** JetStream's "no message found". */
    private static final int NO_MESSAGE = 10037;
    /**
     * How far before a ledger entry's creation the stream search starts: the KV entry and the
     * message are stamped by the leaders of two streams, which in a cluster are different servers
     * with their own clocks.
     */
    static final Duration CLOCK_MARGIN = Duration.ofSeconds(30);

    private final JetStream js;
    private final JetStreamManagement jsm;
    private final Duration timeout;

    EventPublisher(JetStream js, JetStreamManagement jsm, Duration timeout) {
        this.js = js;
        this.jsm = jsm;
        this.timeout = timeout;
    }

    /** Publishes with the delivery GUID as message id; waits for JetStream's ack. */
    PublishAck publish(Delivery d) throws NatsFailure {
        Headers h = new Headers();
        for (Map.Entry<String, String> e : d.headers().entrySet()) {
            h.put(e.getKey(), e.getValue());
        }
        Message m = NatsMessage.builder().subject(d.subject()).headers(h).data(d.json()).build();
        PublishOptions po = PublishOptions.builder().messageId(d.id()).expectedStream(STREAM).streamTimeout(timeout)
                .build();
        try {
            return js.publish(m, po);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            throw NatsFailure.of("publish to " + STREAM + " failed", e);
        }
    }

    /**
     * The stream sequence of the message on {@code subject} whose {@code Nats-Msg-Id} is
     * {@code msgId}, stored at or after {@code since} (less {@link #CLOCK_MARGIN}).
     *
     * <p>The search reads headers only, from an ordered consumer filtered on the one subject, up to
     * the subject's last message (which it checks first, as it is usually the one). Its cost is the
     * subject's traffic since {@code since}; it runs once per repeated delivery, after which the
     * ledger holds the sequence.
     *
     * @throws NatsFailure when JetStream fails or the search does not finish by {@code budget}
     */
    OptionalLong find(String subject, String msgId, Instant since, Duration budget) throws NatsFailure {
        Instant from = since.minus(CLOCK_MARGIN);
        MessageInfo last;
        try {
            last = jsm.getLastMessage(STREAM, subject);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == NO_MESSAGE) {
                return OptionalLong.empty();
            }
            throw NatsFailure.of("cannot read " + STREAM, e);
        } catch (IOException | RuntimeException e) {
            throw NatsFailure.of("cannot read " + STREAM, e);
        }
        if (last.getTime() != null && last.getTime().toInstant().isBefore(from)) {
            return OptionalLong.empty();
        }
        if (last.getHeaders() != null && msgId.equals(last.getHeaders().getFirst(MSG_ID))) {
            return OptionalLong.of(last.getSeq());
        }
        long deadline = System.nanoTime() + budget.toNanos();
        ConsumerConfiguration cc = ConsumerConfiguration.builder()
                .deliverPolicy(DeliverPolicy.ByStartTime)
                .startTime(from.atZone(ZoneOffset.UTC))
                .headersOnly(true)
                .build();
        PushSubscribeOptions pso = PushSubscribeOptions.builder().stream(STREAM).ordered(true).configuration(cc).build();
        JetStreamSubscription sub = null;
        try {
            sub = js.subscribe(subject, pso);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new NatsFailure("search of " + STREAM + " for an unconfirmed delivery did not finish in "
                            + budget.toMillis() + " ms", null);
                }
                Message m = sub.nextMessage(Duration.ofNanos(left));
                if (m == null || !m.isJetStream()) {
                    continue;
                }
                long seq = m.metaData().streamSequence();
                if (m.getHeaders() != null && msgId.equals(m.getHeaders().getFirst(MSG_ID))) {
                    return OptionalLong.of(seq);
                }
                if (seq >= last.getSeq()) {
                    return OptionalLong.empty();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsFailure("interrupted while searching " + STREAM, e);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            throw NatsFailure.of("cannot search " + STREAM, e);
        } finally {
            if (sub != null) {
                try {
                    sub.unsubscribe();
                } catch (RuntimeException e) {
                    // the ephemeral consumer is removed by the server when its interest goes away
                }
            }
        }
    }
}
