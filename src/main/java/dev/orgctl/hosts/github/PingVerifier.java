package dev.orgctl.hosts.github;

import dev.orgctl.nats.SubjectCodec;
import dev.orgctl.nats.topology.Topology;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Proves the whole webhook path end to end: GitHub sends a ping to the hook, the gateway accepts
 * it and stores it in {@code GITHUB_EVENTS}, and it can be read back. Listens with an ordered
 * ephemeral consumer filtered on {@code github.<org>._.ping}, created before the ping is
 * requested (deliver policy "new"), and waits (bounded) for a ping carrying the hook's
 * {@code X-GitHub-Hook-ID}.
 */
public final class PingVerifier {
    /** A ping that arrived: its delivery GUID, stream sequence and the time since it was requested. */
    public record Arrival(String deliveryId, long streamSequence, Duration latency) {
    }

    private final JetStream js;
    private final Clock clock;

    public PingVerifier(JetStream js, Clock clock) {
        this.js = js;
        this.clock = clock;
    }

    /**
     * Sends the ping through {@code ping} and waits up to {@code timeout}. Empty when no ping of
     * that hook arrived in time.
     */
    public Optional<Arrival> verify(String org, long hookId, Runnable ping, Duration timeout)
            throws IOException, JetStreamApiException, InterruptedException {
        String subject = SubjectCodec.subject(org, Optional.empty(), "ping");
        PushSubscribeOptions opts = PushSubscribeOptions.builder()
                .stream(Topology.EVENTS_STREAM)
                .ordered(true)
                .configuration(ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.New).build())
                .build();
        JetStreamSubscription sub = js.subscribe(subject, opts);
        try {
            Instant start = clock.instant();
            ping.run();
            Instant deadline = start.plus(timeout);
            while (true) {
                Duration left = Duration.between(clock.instant(), deadline);
                if (left.isNegative() || left.isZero()) {
                    return Optional.empty();
                }
                Message m = sub.nextMessage(left);
                if (m == null) {
                    return Optional.empty();
                }
                String hook = m.getHeaders() == null ? null : m.getHeaders().getFirst("X-GitHub-Hook-ID");
                if (Long.toString(hookId).equals(hook)) {
                    String delivery = m.getHeaders().getFirst("X-GitHub-Delivery");
                    return Optional.of(new Arrival(delivery == null ? "" : delivery,
                            m.metaData().streamSequence(), Duration.between(start, clock.instant())));
                }
            }
        } finally {
            sub.unsubscribe();
        }
    }
}
