package dev.orgctl.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.WorkflowRecord;
import dev.orgctl.proto.WorkflowState;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueWatchOption;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * SIGKILLs an {@code orgctl up} replica the moment one of its workers has a run RUNNING, seen
 * through a watch of {@code ORGCTL_WORKFLOWS}: the replica dies holding that repository's lock
 * and its job unacknowledged, which is what a takeover must survive.
 */
public final class KillWhenRunning implements AutoCloseable {
    private final CompletableFuture<String> killedDuring = new CompletableFuture<>();
    private final NatsKeyValueWatchSubscription watch;

    private KillWhenRunning(KeyValue workflows, UpProcess victim) throws IOException, JetStreamApiException,
            InterruptedException {
        String actor = victim.actor();
        this.watch = workflows.watchAll(new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry e) {
                if (e.getValue() == null || killedDuring.isDone()) {
                    return;
                }
                try {
                    WorkflowRecord w = WorkflowRecord.parseFrom(e.getValue());
                    // A regeneration run, held by one of the victim's workers; not a workflow its
                    // controller mirrors (a rollout's is RUNNING while its waves go on).
                    if (w.getState() == WorkflowState.RUNNING && w.getWorkflowId().startsWith("regen/")
                            && w.getOwner().startsWith(actor)) {
                        victim.kill();
                        killedDuring.complete(w.getWorkflowId());
                    }
                } catch (InvalidProtocolBufferException ex) {
                    // not a workflow record
                }
            }

            @Override
            public void endOfData() {
            }
        }, KeyValueWatchOption.UPDATES_ONLY);
    }

    /** Starts watching; arm it before the change that makes runs start. */
    public static KillWhenRunning arm(Connection nats, UpProcess victim) throws IOException, JetStreamApiException,
            InterruptedException {
        return new KillWhenRunning(nats.keyValue(Topology.WORKFLOWS_BUCKET), victim);
    }

    /** Completes with the workflow id whose run the victim held when it was killed. */
    public CompletableFuture<String> killed() {
        return killedDuring;
    }

    /** The workflow the victim was running when killed, or an error when it never ran one in time. */
    public String await(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        return killedDuring.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        watch.unsubscribe();
    }
}
