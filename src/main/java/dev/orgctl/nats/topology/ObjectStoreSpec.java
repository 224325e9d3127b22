package dev.orgctl.nats.topology;

import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.ObjectStoreStatus;
import io.nats.client.api.StorageType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A declared JetStream Object Store (nats-server 2.6+; its backing stream is {@code OBJ_<bucket>}):
 * objects of any size, stored as chunks, for values past the 1 MiB message limit. No TTL: orgctl
 * deletes what it no longer keeps. {@code maxBytes} -1 is unlimited.
 */
public record ObjectStoreSpec(String bucket, String purpose, long maxBytes, StorageType storage, int replicas)
        implements ResourceSpec {

    @Override
    public String kind() {
        return "objects";
    }

    @Override
    public String name() {
        return bucket;
    }

    /** The stream JetStream keeps the objects in; jnats has no update of an object store, the stream has. */
    public String backingStream() {
        return "OBJ_" + bucket;
    }

    @Override
    public Map<String, String> fields() {
        return fields(maxBytes, storage, replicas);
    }

    @Override
    public Set<String> fixedFields() {
        return Set.of("storage");
    }

    public ObjectStoreConfiguration toConfiguration() {
        return ObjectStoreConfiguration.builder(bucket)
                .description(description())
                .maxBucketSize(maxBytes)
                .storageType(storage)
                .replicas(replicas)
                .build();
    }

    public static Map<String, String> fieldsOf(ObjectStoreStatus s) {
        return fields(s.getMaxBucketSize(), s.getStorageType(), s.getReplicas());
    }

    private static Map<String, String> fields(long maxBytes, StorageType storage, int replicas) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("max_bytes", Long.toString(maxBytes));
        f.put("storage", storage.toString());
        f.put("replicas", Integer.toString(replicas));
        return f;
    }
}
