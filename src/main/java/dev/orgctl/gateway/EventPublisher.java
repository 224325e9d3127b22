package dev.orgctl.gateway;

import dev.orgctl.nats.topology.Topology;
import io.nats.client.JetStream;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** Publishes deliveries to {@code GITHUB_EVENTS}, the delivery GUID as message id. */
final class EventPublisher {
    static final String STREAM = Topology.EVENTS_STREAM;
    private final JetStream js;
    private final Duration timeout;

    EventPublisher(JetStream js, Duration timeout) {
        this.js = js;
        this.timeout = timeout;
    }

    /** Publishes with the delivery GUID as message id; the future fails with {@link NatsFailure}, also after {@code timeout}. */
    CompletableFuture<PublishAck> publishAsync(VerifiedDelivery d) {
        CompletableFuture<PublishAck> ack;
        try {
            ack = js.publishAsync(message(d), options(d));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(NatsFailure.of("publish to " + STREAM + " failed", e));
        }
        return ack.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).handle((a, err) -> {
            if (err != null) {
                throw new CompletionException(NatsFailure.of("publish to " + STREAM + " failed", NatsFailure.unwrap(err)));
            }
            return a;
        });
    }

    private static Message message(VerifiedDelivery d) {
        Headers h = new Headers();
        for (Map.Entry<String, String> e : d.headers().entrySet()) {
            h.put(e.getKey(), e.getValue());
        }
        return NatsMessage.builder().subject(d.subject()).headers(h).data(d.json()).build();
    }

    private PublishOptions options(VerifiedDelivery d) {
        return PublishOptions.builder().messageId(d.id()).expectedStream(STREAM).streamTimeout(timeout).build();
    }
}
