package dev.orgctl.bootstrap;

import dev.orgctl.coordination.Lease;
import dev.orgctl.coordination.LeaseClass;
import dev.orgctl.coordination.LockService;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.NatsUnavailableException;
import java.time.Duration;
import java.util.Optional;
import dev.orgctl.nats.topology.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two-phase state: the local file until the topology stage has run, the ORGCTL_BOOTSTRAP
 * bucket afterwards. Once in NATS, every save is mirrored to the file, so {@code bootstrap status}
 * still shows the last known state when NATS is down.
 *
 * <p>The lock moves with the state: the file lock guards one data directory, and before writing
 * to the bucket a bootstrap also takes the KV lease {@value #LEASE_NAME}, so two bootstraps on
 * different machines against one NATS never both act. The lease renews itself while held.
 */
public final class StateStores implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StateStores.class);
    public static final String LEASE_NAME = "bootstrap";
    private final FileStateStore file;
    private final Duration leaseWait;
    private KvStateStore kv;
    private LockService locks;
    private Lease lease;
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
            holdLease(ctx);
            kv(ctx).save(state);
        }
        file.save(state);
    }

    private void holdLease(BootstrapContext ctx) {
        followConnection(ctx);
        if (lease != null) {
            lease.checkStillHeld();
            return;
        }
        locks = LockService.open(ctx.nats(), LeaseClass.LONG, "bootstrap");
        // A dead holder's lease is taken over before any waiting: with --lock-wait the wait would
        // otherwise run its full length for a lease that nobody is going to release.
        Optional<Lease> l = locks.tryAcquire(LEASE_NAME, "orgctl bootstrap");
        if (l.isEmpty() && takeOverFromDeadHolder()) {
            l = locks.tryAcquire(LEASE_NAME, "orgctl bootstrap");
        }
        if (l.isEmpty() && !leaseWait.isZero()) {
            try {
                l = locks.acquire(LEASE_NAME, "orgctl bootstrap", leaseWait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BootstrapException("interrupted while waiting for the bootstrap lease", e);
            }
        }
        if (l.isEmpty()) {
            String holder = locks.inspect(LEASE_NAME).map(i -> String.valueOf(i.holder())).orElse("unknown holder");
            throw new BootstrapException("another bootstrap holds the lease '" + LEASE_NAME + "' in "
                    + LeaseClass.LONG.bucket() + " (" + holder.replace('\n', ' ') + "); wait for it, or re-run with --lock-wait");
        }
        lease = l.get();
    }

    /**
     * A bootstrap killed inside a stage leaves its lease behind until the TTL (minutes). When the
     * holder ran on this host and its process is gone, the lease is released (fenced on its
     * revision) so the re-run resumes at once. This process holds the data dir's file lock, and a
     * holder on another host is never taken over.
     */
    private boolean takeOverFromDeadHolder() {
        Optional<LockService.LockInfo> info = locks.inspect(LEASE_NAME);
        if (info.isEmpty() || info.get().holder() == null) {
            return false;
        }
        String here = LockService.Identity.current("bootstrap").host();
        if (!here.equals(info.get().holder().getHost())) {
            return false;
        }
        long pid = info.get().holder().getPid();
        boolean ownStale = pid == ProcessHandle.current().pid(); // held through a connection this process replaced
        if (pid <= 0 || (!ownStale && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))) {
            return false;
        }
        log.atWarn().addKeyValue("pid", pid).addKeyValue("host", here)
                .log("the bootstrap lease is held by a process that no longer runs on this host; taking it over");
        return locks.forceRelease(LEASE_NAME, info.get().revision());
    }

    @Override
    public void close() {
        if (lease != null) {
            lease.release();
            lease = null;
        }
        if (locks != null) {
            locks.close();
            locks = null;
        }
    }

    public String describe(BootstrapState state) {
        return inNats(state) ? "KV bucket " + Topology.BOOTSTRAP_BUCKET + " (mirrored in " + file.describe() + ")"
                : file.describe();
    }

    /**
     * Drops the KV store and lease bound to a connection the context has replaced (the nats stage
     * reconnects, possibly to a restarted server); the lease on the closed connection is ours and
     * is taken over when the new one is acquired.
     */
    private void followConnection(BootstrapContext ctx) {
        NatsRuntime current = ctx.nats();
        if (boundTo != null && boundTo != current) {
            kv = null;
            lease = null;
            if (locks != null) {
                try {
                    locks.close();
                } catch (RuntimeException e) {
                    log.atDebug().addKeyValue("error", e.getMessage()).log("closing the locks of a replaced connection");
                }
                locks = null;
            }
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
