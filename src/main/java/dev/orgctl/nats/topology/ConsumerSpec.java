package dev.orgctl.nats.topology;

import dev.orgctl.config.Durations;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** A declared durable pull consumer. */
public record ConsumerSpec(
        String stream,
        String durable,
        String purpose,
        String filterSubject,
        DeliverPolicy deliverPolicy,
        Duration ackWait,
        int maxDeliver,
        int maxAckPending,
        List<Duration> backoff) implements ResourceSpec {

    public ConsumerSpec {
        backoff = List.copyOf(backoff);
    }

    @Override
    public String kind() {
        return "consumer";
    }

    @Override
    public String name() {
        return stream + "/" + durable;
    }

    @Override
    public Map<String, String> fields() {
        return fields(filterSubject, deliverPolicy, AckPolicy.Explicit, ackWait, maxDeliver, maxAckPending, backoff);
    }

    @Override
    public Set<String> fixedFields() {
        // nats-server 2.9 cannot change these on an existing consumer.
        return Set.of("filter_subject", "deliver_policy", "ack_policy");
    }

    public ConsumerConfiguration toConfiguration() {
        ConsumerConfiguration.Builder b = ConsumerConfiguration.builder()
                .durable(durable)
                .description(description())
                .filterSubject(filterSubject)
                .deliverPolicy(deliverPolicy)
                .ackPolicy(AckPolicy.Explicit)
                .ackWait(ackWait)
                .maxDeliver(maxDeliver)
                .maxAckPending(maxAckPending);
        if (!backoff.isEmpty()) {
            b.backoff(backoff.toArray(new Duration[0]));
        }
        return b.build();
    }

    public static Map<String, String> fieldsOf(ConsumerConfiguration c) {
        List<Duration> backoff = c.getBackoff() == null ? List.of() : c.getBackoff();
        return fields(c.getFilterSubject(), c.getDeliverPolicy(), c.getAckPolicy(), c.getAckWait(),
                (int) c.getMaxDeliver(), (int) c.getMaxAckPending(), backoff);
    }

    private static Map<String, String> fields(String filter, DeliverPolicy deliver, AckPolicy ack, Duration ackWait,
                                              int maxDeliver, int maxAckPending, List<Duration> backoff) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("filter_subject", filter == null ? "" : filter);
        f.put("deliver_policy", String.valueOf(deliver));
        f.put("ack_policy", String.valueOf(ack));
        f.put("ack_wait", ackWait == null ? "default" : Durations.format(ackWait));
        f.put("max_deliver", Integer.toString(maxDeliver));
        f.put("max_ack_pending", Integer.toString(maxAckPending));
        f.put("backoff", backoff.stream().map(Durations::format).collect(Collectors.joining(",")));
        return f;
    }
}
