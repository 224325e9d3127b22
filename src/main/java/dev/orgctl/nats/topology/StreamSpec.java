package dev.orgctl.nats.topology;

import dev.orgctl.config.Durations;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A declared stream. Sizes in bytes; -1 means unlimited. */
public record StreamSpec(
        String name,
        String purpose,
        List<String> subjects,
        StorageType storage,
        RetentionPolicy retention,
        Duration maxAge,
        long maxBytes,
        long maxMsgSize,
        Duration duplicateWindow,
        DiscardPolicy discard,
        int replicas) implements ResourceSpec {

    public StreamSpec {
        subjects = List.copyOf(subjects);
    }

    @Override
    public String kind() {
        return "stream";
    }

    @Override
    public Map<String, String> fields() {
        return fields(subjects, storage, retention, maxAge, maxBytes, maxMsgSize, duplicateWindow, discard, replicas);
    }

    @Override
    public Set<String> fixedFields() {
        // nats-server 2.9 refuses to change these on an existing stream.
        return Set.of("storage", "retention");
    }

    public StreamConfiguration toConfiguration() {
        return StreamConfiguration.builder()
                .name(name)
                .description(description())
                .subjects(subjects)
                .storageType(storage)
                .retentionPolicy(retention)
                .maxAge(maxAge)
                .maxBytes(maxBytes)
                .maximumMessageSize((int) Math.min(Integer.MAX_VALUE, maxMsgSize))
                .duplicateWindow(duplicateWindow)
                .discardPolicy(discard)
                .replicas(replicas)
                .build();
    }

    /** The managed fields of a stream as the server reports it. */
    public static Map<String, String> fieldsOf(StreamConfiguration c) {
        return fields(c.getSubjects(), c.getStorageType(), c.getRetentionPolicy(), c.getMaxAge(), c.getMaxBytes(),
                c.getMaxMsgSize(), c.getDuplicateWindow(), c.getDiscardPolicy(), c.getReplicas());
    }

    private static Map<String, String> fields(List<String> subjects, StorageType storage, RetentionPolicy retention,
                                              Duration maxAge, long maxBytes, long maxMsgSize, Duration dupWindow,
                                              DiscardPolicy discard, int replicas) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("subjects", String.join(",", subjects));
        f.put("storage", storage.toString());
        f.put("retention", retention.toString());
        f.put("max_age", Durations.format(maxAge));
        f.put("max_bytes", Long.toString(maxBytes));
        f.put("max_msg_size", Long.toString(maxMsgSize));
        f.put("duplicate_window", Durations.format(dupWindow));
        f.put("discard", discard.toString());
        f.put("replicas", Integer.toString(replicas));
        return f;
    }
}
