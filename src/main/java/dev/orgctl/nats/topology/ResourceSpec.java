package dev.orgctl.nats.topology;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One JetStream resource orgctl declares: a stream, a KV bucket, an object store or a durable consumer. A spec is
 * compared with the server through its managed {@link #fields()}, each rendered as text, so the
 * plan can show "field: server -> declared" without knowing the resource kind.
 */
public sealed interface ResourceSpec permits StreamSpec, BucketSpec, ObjectStoreSpec, ConsumerSpec {
    /** "stream", "kv", "objects" or "consumer". */
    String kind();

    /** The resource's name as an operator looks it up ({@code ORGCTL_LOCKS}, {@code GITHUB_EVENTS/orgctl-controller}). */
    String name();

    /** Why the resource exists, in one line; also written to the server as its description. */
    String purpose();

    /** The managed fields, by name, rendered as text. */
    Map<String, String> fields();

    /** Fields JetStream cannot change in place. */
    Set<String> fixedFields();

    /** A short digest of the declared fields, recorded on the server to tell our updates from hand edits. */
    default String digest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, String> e : new TreeMap<>(fields()).entrySet()) {
                md.update((e.getKey() + "=" + e.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The description written to the server: the purpose and the digest of what was applied. */
    default String description() {
        return purpose() + " [orgctl spec " + digest() + "]";
    }

    /** The digest recorded in a server-side description, or null when orgctl did not write it. */
    static String recordedDigest(String description) {
        if (description == null) {
            return null;
        }
        int i = description.lastIndexOf("[orgctl spec ");
        if (i < 0 || !description.endsWith("]")) {
            return null;
        }
        return description.substring(i + "[orgctl spec ".length(), description.length() - 1);
    }
}
