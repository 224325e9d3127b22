package dev.orgctl.controller.rollout;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.OwnCommitRecord;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueWatchOption;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.io.IOException;
import java.util.function.BiConsumer;

/**
 * Tells a test the moment orgctl notes a commit as its own in ORGCTL_COMMITS: right after the ref
 * moved, before the run's result is recorded anywhere else (the workflow, a rollout's pin). The
 * callback runs on the watch's thread.
 */
final class OwnCommitWatch implements AutoCloseable {
    private final NatsKeyValueWatchSubscription watch;

    private OwnCommitWatch(NatsKeyValueWatchSubscription watch) {
        this.watch = watch;
    }

    /** Calls {@code onCommit(sha, record)} for every commit orgctl records from now on. */
    static OwnCommitWatch start(Connection nats, BiConsumer<String, OwnCommitRecord> onCommit) throws IOException,
            JetStreamApiException, InterruptedException {
        return new OwnCommitWatch(nats.keyValue(Topology.COMMITS_BUCKET).watchAll(new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry e) {
                if (e.getValue() == null) {
                    return;
                }
                try {
                    onCommit.accept(e.getKey(), OwnCommitRecord.parseFrom(e.getValue()));
                } catch (InvalidProtocolBufferException ex) {
                    // not a commit record
                }
            }

            @Override
            public void endOfData() {
            }
        }, KeyValueWatchOption.UPDATES_ONLY));
    }

    @Override
    public void close() throws InterruptedException {
        watch.unsubscribe();
    }
}
