package dev.orgctl.coordination;

import dev.orgctl.config.Durations;
import dev.orgctl.nats.topology.Topology;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A lease length, and the KV bucket that provides it. nats-server 2.9 has no per-key TTL, so the
 * lease is the bucket's TTL (its stream's max age) and each lease length is its own bucket, declared
 * in {@link Topology}.
 *
 * <p>The lease is how long a crashed holder keeps others out, not how long work may run: a live
 * holder renews every quarter lease for as long as it works.
 */
public enum LeaseClass {
    /** 30s: the default. A crashed holder blocks others for at most 30s. */
    STANDARD(Topology.LOCKS_BUCKET, Topology.LOCK_LEASE),
    /** 5m: for holders that may stall (long GC pauses, overloaded CI runners) without losing the lock. */
    LONG(Topology.LONG_LOCKS_BUCKET, Topology.LONG_LOCK_LEASE);

    private final String bucket;
    private final Duration ttl;

    LeaseClass(String bucket, Duration ttl) {
        this.bucket = bucket;
        this.ttl = ttl;
    }

    public String bucket() {
        return bucket;
    }

    public Duration ttl() {
        return ttl;
    }

    /** The class whose lease is exactly {@code ttl}. */
    public static Optional<LeaseClass> forTtl(Duration ttl) {
        return Arrays.stream(values()).filter(c -> c.ttl.equals(ttl)).findFirst();
    }

    public static Optional<LeaseClass> forBucket(String bucket) {
        return Arrays.stream(values()).filter(c -> c.bucket.equals(bucket)).findFirst();
    }

    /** "30s (ORGCTL_LOCKS), 5m (ORGCTL_LOCKS_LONG)", for error messages and help. */
    public static String describeAll() {
        return Arrays.stream(values()).map(c -> Durations.format(c.ttl) + " (" + c.bucket + ")")
                .collect(Collectors.joining(", "));
    }
}
