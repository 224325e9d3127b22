package dev.orgctl.bootstrap;

import dev.orgctl.nats.KvCas;
import dev.orgctl.nats.NatsUnavailableException;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.util.OptionalLong;

/**
 * Phase two: the state in the {@code ORGCTL_BOOTSTRAP} bucket, written with compare-and-set on
 * the revision this process last read, so a second writer that slipped past the lease cannot
 * silently overwrite the first.
 */
public final class KvStateStore implements StateStore {
    static final String KEY = "state";
    private final KeyValue kv;
    private final String bucket;
    private long revision;

    public KvStateStore(KeyValue kv, String bucket) {
        this.kv = kv;
        this.bucket = bucket;
    }

    @Override
    public BootstrapState load() {
        try {
            KeyValueEntry e = kv.get(KEY);
            if (e == null || e.getValue() == null) {
                revision = 0;
                return BootstrapState.empty();
            }
            revision = e.getRevision();
            return StateCodec.decode(e.getValue(), "bucket " + bucket);
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot read the bootstrap state from " + bucket + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void save(BootstrapState state) {
        OptionalLong written;
        try {
            written = KvCas.compareAndSet(kv, KEY, StateCodec.encode(state), revision);
        } catch (JetStreamApiException e) {
            throw new BootstrapException("cannot write the bootstrap state to " + bucket + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot write the bootstrap state to " + bucket + ": " + e.getMessage(), e);
        }
        if (written.isEmpty()) {
            throw new BootstrapException("the bootstrap state in " + bucket + " was changed by another process"
                    + "; is another bootstrap running? re-run to continue from the recorded state");
        }
        revision = written.getAsLong();
    }

    @Override
    public String describe() {
        return "KV bucket " + bucket;
    }
}
