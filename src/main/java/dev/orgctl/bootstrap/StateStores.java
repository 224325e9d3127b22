package dev.orgctl.bootstrap;

import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two-phase state: the local file until the topology stage has run, the ORGCTL_BOOTSTRAP
 * bucket afterwards. Once in NATS, every save is mirrored to the file, so {@code bootstrap status}
 * still shows the last known state when NATS is down.
 */
public final class StateStores {
    private static final Logger log = LoggerFactory.getLogger(StateStores.class);
    private final FileStateStore file;
    private KvStateStore kv;

    public StateStores(FileStateStore file) {
        this.file = file;
    }

    /** True once the state lives in NATS: the topology stage completed. */
    public static boolean inNats(BootstrapState s) {
        return s.complete(StageName.TOPOLOGY);
    }

    /** Loads the freshest state: from NATS when it lives there and NATS answers, else from the file. */
    public BootstrapState load(BootstrapContext ctx) {
        BootstrapState local = file.load();
        if (!inNats(local)) {
            return local;
        }
        ctx.state(local);
        try {
            BootstrapState remote = kv(ctx).load();
            return remote.results().isEmpty() ? local : remote;
        } catch (NatsUnavailableException | BootstrapException e) {
            log.atWarn().addKeyValue("error", e.getMessage()).log("bootstrap state in NATS unreadable; using the local copy");
            return local;
        }
    }

    /** Local only: for {@code bootstrap status} before or without NATS. */
    public BootstrapState loadLocal() {
        return file.load();
    }

    public void save(BootstrapContext ctx, BootstrapState state) {
        if (inNats(state)) {
            kv(ctx).save(state);
        }
        file.save(state);
    }

    public String describe(BootstrapState state) {
        return inNats(state) ? "KV bucket " + Topology.BOOTSTRAP_BUCKET + " (mirrored in " + file.describe() + ")"
                : file.describe();
    }

    private KvStateStore kv(BootstrapContext ctx) {
        if (kv == null) {
            kv = new KvStateStore(ctx.nats().keyValue(Topology.BOOTSTRAP_BUCKET), Topology.BOOTSTRAP_BUCKET);
            kv.load(); // learn the revision to compare-and-set against
        }
        return kv;
    }
}
