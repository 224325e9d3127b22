package dev.orgctl.coordination;

import io.nats.client.Connection;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import java.time.Duration;

/** Short-lease lock buckets for tests: the production lease classes (30s, 5m) are too slow to watch expire. */
final class TestBuckets {
    private TestBuckets() {
    }

    static void createLockBucket(Connection c, String bucket, Duration ttl) throws Exception {
        c.keyValueManagement().create(KeyValueConfiguration.builder()
                .name(bucket)
                .maxHistoryPerKey(1)
                .ttl(ttl)
                .storageType(StorageType.File)
                .build());
    }

    static LockService locks(Connection c, String bucket, String process) {
        return LockService.open(c, null, bucket, LockService.Identity.current(process), null);
    }

    static LockService locks(Connection c, String bucket, String process, LockService.Settings settings) {
        return LockService.open(c, null, bucket, LockService.Identity.current(process), settings);
    }
}
