package dev.orgctl.coordination;

import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.util.concurrent.TimeUnit;

/**
 * A watcher of one lock key (updates only, metadata only), shared by the waiters of one
 * {@link LockWaiter} on that key and kept a while after the last of them, so that a worker waiting
 * for the same lock again does not pay for a new consumer every time.
 */
final class KeyWatch implements KeyValueWatcher {
    final String key;
    NatsKeyValueWatchSubscription sub;
    int users;
    long idleSince;
    private long version;
    private KeyValueEntry last;

    KeyWatch(String key) {
        this.key = key;
    }

    @Override
    public synchronized void watch(KeyValueEntry entry) {
        last = entry;
        version++;
        notifyAll();
    }

    @Override
    public void endOfData() {
        // updates only: nothing to mark
    }

    synchronized long version() {
        return version;
    }

    /** The newest entry seen, if its revision is above {@code revision}. */
    synchronized KeyValueEntry newerThan(long revision) {
        return last != null && last.getRevision() > revision ? last : null;
    }

    /** The newest entry if one arrived after {@code seen}, else waits until {@code deadline} (nanoTime). */
    synchronized KeyValueEntry awaitAfter(long seen, long deadline) throws InterruptedException {
        while (version == seen) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return last;
    }
}
