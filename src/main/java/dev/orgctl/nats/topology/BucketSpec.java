package dev.orgctl.nats.topology;

import dev.orgctl.config.Durations;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** A declared KV bucket. {@code ttl} zero keeps entries forever; sizes -1 mean unlimited. */
public record BucketSpec(
        String bucket,
        String purpose,
        int history,
        Duration ttl,
        long maxBytes,
        long maxValueSize,
        StorageType storage,
        int replicas) implements ResourceSpec {

    @Override
    public String kind() {
        return "kv";
    }

    @Override
    public String name() {
        return bucket;
    }

    @Override
    public Map<String, String> fields() {
        return fields(history, ttl, maxBytes, maxValueSize, storage, replicas);
    }

    @Override
    public Set<String> fixedFields() {
        return Set.of("storage");
    }

    public KeyValueConfiguration toConfiguration() {
        return KeyValueConfiguration.builder()
                .name(bucket)
                .description(description())
                .maxHistoryPerKey(history)
                .ttl(ttl)
                .maxBucketSize(maxBytes)
                .maxValueSize(maxValueSize)
                .storageType(storage)
                .replicas(replicas)
                .build();
    }

    public static Map<String, String> fieldsOf(KeyValueConfiguration c) {
        Duration ttl = c.getTtl() == null ? Duration.ZERO : c.getTtl();
        return fields((int) c.getMaxHistoryPerKey(), ttl, c.getMaxBucketSize(), c.getMaxValueSize(),
                c.getStorageType(), c.getReplicas());
    }

    private static Map<String, String> fields(int history, Duration ttl, long maxBytes, long maxValueSize,
                                              StorageType storage, int replicas) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("history", Integer.toString(history));
        f.put("ttl", ttl.isZero() ? "none" : Durations.format(ttl));
        f.put("max_bytes", Long.toString(maxBytes));
        f.put("max_value_size", Long.toString(maxValueSize));
        f.put("storage", storage.toString());
        f.put("replicas", Integer.toString(replicas));
        return f;
    }
}
