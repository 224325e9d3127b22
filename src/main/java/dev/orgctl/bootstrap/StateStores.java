package dev.orgctl.bootstrap;

import dev.orgctl.nats.JetStreamErrors;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.Topology;
import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two-phase state: the local file until the topology stage has run, the ORGCTL_BOOTSTRAP
 * bucket afterwards. Once in NATS, every save is mirrored to the file, so {@code bootstrap status}
 * still shows the last known state when NATS is down.
 *
 * <p>Once the state is in the bucket, the bucket is the truth: a run that takes the
 * {@link BootstrapLease} adopts it, whatever its own data directory's file says (a second
 * operator's brand-new data directory included), and only adds this run's own records to it.
 * Nothing is written to the bucket without the lease, and the failure path never takes it.
 */
public final class StateStores implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StateStores.class);
    public static final String LEASE_NAME = BootstrapLease.NAME;
    private final FileStateStore file;
    private final Duration leaseWait;
    private BootstrapLease lease;
    private KvStateStore kv;
    private NatsRuntime boundTo;

    /** @param leaseWait how long to wait for another bootstrap's KV lease; zero: fail at once */
    public StateStores(FileStateStore file, Duration leaseWait) {
        this.file = file;
        this.leaseWait = leaseWait;
    }

    public StateStores(FileStateStore file) {
        this(file, Duration.ZERO);
    }

    /** True once the state lives in NATS: the topology stage completed. */
    public static boolean inNats(BootstrapState s) {
        // While the nats stage is being redone (a stopped server, --from nats) NATS may not answer:
        // the file carries the state until the stage has recorded a server again.
        return s.complete(StageName.TOPOLOGY) && s.complete(StageName.NATS);
    }

    /**
     * The freshest state, for reading only (status, plan, verify; no lease): from the bucket when
     * it holds one and NATS answers, else from the file.
     */
    public BootstrapState load(BootstrapContext ctx) {
        BootstrapState local = file.load();
        if (!inNats(local) && ctx.config().nats().embedded()) {
            return local; // no NATS this data directory knows of yet
        }
        ctx.state(local);
        try {
            Optional<BootstrapState> remote = readBucket(ctx);
            return remote.filter(r -> !r.results().isEmpty()).orElse(local);
        } catch (NatsUnavailableException | BootstrapException e) {
            if (inNats(local)) {
                log.atWarn().addKeyValue("error", e.getMessage())
                        .log("bootstrap state in NATS unreadable; using the local copy");
            }
            return local;
        }
    }

    /** Local only: for {@code bootstrap status} before or without NATS. */
    public BootstrapState loadLocal() {
        return file.load();
    }

    /**
     * Takes the lease (once per run; later calls return {@code current}) and adopts the state in
     * the bucket, with this run's own records laid over it.
     *
     * @param thisRun  what this run has recorded so far (stages before NATS answered)
     * @param required false: when NATS does not answer (not started yet), carry on without
     * @return the state to continue from
     * @throws LeaseUnavailableException when another bootstrap holds the lease
     */
    public BootstrapState hold(BootstrapContext ctx, BootstrapState current, Map<StageName, StageResult> thisRun,
                               boolean required) {
        if (lease != null) {
            return current;
        }
        Optional<List<String>> urls = ctx.natsUrls();
        if (urls.isEmpty()) {
            if (required) {
                throw new BootstrapException("no NATS yet: the nats stage has not run; run 'orgctl bootstrap' "
                        + "(or --from nats)");
            }
            return current;
        }
        try {
            lease = BootstrapLease.acquire(ctx.config(), urls.get(), ctx.config().dataDir(), leaseWait);
        } catch (NatsUnavailableException e) {
            if (!required) {
                return current;
            }
            throw new BootstrapException(e.getMessage() + "; the bootstrap state lives there: start NATS again "
                    + "('orgctl bootstrap --from nats' after a reboot or 'orgctl down'), then re-run", e);
        }
        Optional<BootstrapState> remote = readBucket(ctx);
        if (remote.isEmpty() || remote.get().results().isEmpty()) {
            return current;
        }
        BootstrapState adopted = remote.get();
        for (StageResult r : thisRun.values()) {
            adopted = adopted.with(r);
        }
        if (!adopted.equals(current)) {
            log.atInfo().addKeyValue("bucket", Topology.BOOTSTRAP_BUCKET)
                    .log("bootstrap state adopted from NATS (it is the truth once there)");
        }
        file.save(adopted);
        ctx.state(adopted);
        return adopted;
    }

    /**
     * Records a state: in the bucket too whenever this run holds the lease and the bucket exists
     * (a stage being redone shows there as started), and never in the file alone once the state
     * lives in the bucket.
     */
    public void save(BootstrapContext ctx, BootstrapState state) {
        if (lease != null && bucketExists(ctx)) {
            lease.checkStillHeld();
            kv(ctx).save(state);
        } else if (inNats(state)) {
            throw new BootstrapException("the bootstrap state lives in NATS (" + Topology.BOOTSTRAP_BUCKET
                    + ") and this run does not hold the lease '" + LEASE_NAME + "'");
        }
        file.save(state);
    }

    /**
     * Records a stage failure without ever taking the lease: in the bucket only while this run
     * still holds it, else in the local file alone (the next run adopts the bucket's state, where
     * the stage is still "started", and redoes it).
     */
    public void saveFailure(BootstrapContext ctx, BootstrapState state) {
        if (lease != null && lease.isHeld()) {
            try {
                if (bucketExists(ctx)) {
                    lease.checkStillHeld();
                    kv(ctx).save(state);
                }
            } catch (RuntimeException e) {
                log.atWarn().addKeyValue("error", e.getMessage())
                        .log("stage failure recorded in the local file only");
            }
        }
        file.save(state);
    }

    @Override
    public void close() {
        if (lease != null) {
            lease.close();
            lease = null;
        }
    }

    public String describe(BootstrapState state) {
        return inNats(state) ? "KV bucket " + Topology.BOOTSTRAP_BUCKET + " (mirrored in " + file.describe() + ")"
                : file.describe();
    }

    /** The state in the bucket; empty when the bucket does not exist yet (before the topology stage). */
    private Optional<BootstrapState> readBucket(BootstrapContext ctx) {
        kv = null;
        if (!bucketExists(ctx)) {
            return Optional.empty();
        }
        // A fresh read: later saves compare-and-set against what is there now.
        kv = new KvStateStore(ctx.nats().keyValue(Topology.BOOTSTRAP_BUCKET), Topology.BOOTSTRAP_BUCKET);
        return Optional.of(kv.load());
    }

    /** Whether ORGCTL_BOOTSTRAP exists (the topology stage creates it); known for good once it does. */
    private boolean bucketExists(BootstrapContext ctx) {
        followConnection(ctx);
        if (kv != null) {
            return true;
        }
        try {
            ctx.nats().connection().keyValueManagement(ctx.nats().connector().keyValueOptions())
                    .getStatus(Topology.BOOTSTRAP_BUCKET);
            return true;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == JetStreamErrors.JS_STREAM_NOT_FOUND_ERR) {
                return false;
            }
            throw new NatsUnavailableException("cannot read " + Topology.BOOTSTRAP_BUCKET + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot read " + Topology.BOOTSTRAP_BUCKET + ": " + e.getMessage(), e);
        }
    }

    /** Drops the KV store bound to a connection the context has replaced (the nats stage reconnects). */
    private void followConnection(BootstrapContext ctx) {
        NatsRuntime current = ctx.nats();
        if (boundTo != null && boundTo != current) {
            kv = null;
        }
        boundTo = current;
    }

    private KvStateStore kv(BootstrapContext ctx) {
        followConnection(ctx);
        if (kv == null) {
            kv = new KvStateStore(ctx.nats().keyValue(Topology.BOOTSTRAP_BUCKET), Topology.BOOTSTRAP_BUCKET);
            kv.load(); // learn the revision to compare-and-set against
        }
        return kv;
    }
}
