package dev.orgctl.testing;

import dev.orgctl.nats.topology.Topology;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.KeyValueConfiguration;
import java.io.IOException;
import java.time.Duration;

/**
 * Shortens, on the server, what a SIGKILLed replica leaves behind: the consumers' ack wait (how
 * long its unacknowledged deliveries and jobs stay with it; 120 s in production) and the lock
 * bucket's TTL (how long its repository locks live; 30 s). orgctl reads both from the server, so
 * a takeover happens within a test's time. Apply before starting {@code orgctl up}.
 */
public final class ShortLeases {
    private ShortLeases() {
    }

    public static void apply(Connection nats, Duration ackWait, Duration lockLease) throws IOException,
            JetStreamApiException {
        JetStreamManagement jsm = nats.jetStreamManagement();
        for (String[] sc : new String[][] {{Topology.EVENTS_STREAM, Topology.CONTROLLER_CONSUMER},
                {Topology.JOBS_STREAM, Topology.WORKERS_CONSUMER}}) {
            ConsumerConfiguration cc = jsm.getConsumerInfo(sc[0], sc[1]).getConsumerConfiguration();
            jsm.addOrUpdateConsumer(sc[0], ConsumerConfiguration.builder(cc).ackWait(ackWait).build());
        }
        KeyValueManagement kvm = nats.keyValueManagement();
        KeyValueConfiguration locks = kvm.getBucketInfo(Topology.LOCKS_BUCKET).getConfiguration();
        kvm.update(KeyValueConfiguration.builder(locks).ttl(lockLease).build());
    }
}
