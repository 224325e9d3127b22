package dev.orgctl.bootstrap;

import dev.orgctl.config.Durations;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.coordination.Lease;
import dev.orgctl.coordination.LeaseClass;
import dev.orgctl.coordination.LockService;
import dev.orgctl.nats.ClusterShape;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.nats.topology.BucketSpec;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.proto.LockHolder;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValueManagement;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KV lease {@value #NAME} in {@code ORGCTL_LOCKS_LONG} that keeps bootstraps against one NATS
 * apart, whatever machine or data directory they run from. Taken as soon as NATS answers, before
 * any stage writes to it, and held (renewed in the background, on a connection of its own that
 * the stages' reconnects do not touch) until the run ends.
 *
 * <p>Takeover is by ownership only: a lease whose id this data directory's {@link LeaseRecord}
 * lists was taken by an earlier bootstrap of this data directory, and since this process holds the
 * directory's file lock, that bootstrap is gone. Any other holder is waited for ({@code --lock-wait})
 * or released by an operator ({@code orgctl lock release bootstrap --force}); its pid and host are
 * shown, never trusted.
 */
public final class BootstrapLease implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BootstrapLease.class);
    public static final String NAME = "bootstrap";
    static final LeaseClass CLASS = LeaseClass.LONG;
    /** Lease ids kept in the data dir's record until a lease is held again. */
    private static final int MAX_RECORDED = 16;

    private final Connection connection;
    private final LockService locks;
    private final Lease lease;

    private BootstrapLease(Connection connection, LockService locks, Lease lease) {
        this.connection = connection;
        this.locks = locks;
        this.lease = lease;
    }

    /**
     * Takes the lease on the NATS at {@code urls}.
     *
     * @throws NatsUnavailableException when NATS does not answer (nothing is held then)
     * @throws LeaseUnavailableException when another bootstrap holds it beyond {@code wait}
     */
    static BootstrapLease acquire(OrgctlConfig config, List<String> urls, Path dataDir, Duration wait) {
        NatsConnector connector = new NatsConnector(config.nats().withUrls(urls));
        Connection connection = connector.connect("bootstrap-lease", NatsRuntime.CONNECT_TIMEOUT);
        LockService locks = null;
        try {
            NatsRuntime.awaitJetStream(connection, connector, "bootstrap-lease", line -> System.err.println("orgctl: "
                    + line));
            int replicas = NatsRuntime.replicas(connector.settings(), ClusterShape.of(connection));
            ensureBucket(connection, connector, new Topology(new Topology.Settings(replicas, config.dedupWindow())));
            locks = LockService.open(connection, connector.keyValueOptions(), CLASS.bucket(),
                    LockService.Identity.current("orgctl bootstrap"), null);
            Lease lease = take(locks, new LeaseRecord(dataDir), "data dir " + dataDir.toAbsolutePath(), wait);
            return new BootstrapLease(connection, locks, lease);
        } catch (RuntimeException e) {
            if (locks != null) {
                locks.close();
            }
            closeQuietly(connection);
            throw e;
        }
    }

    private static Lease take(LockService locks, LeaseRecord record, String purpose, Duration wait) {
        Set<String> ours = record.ids();
        String id = UUID.randomUUID().toString();
        List<String> pending = new ArrayList<>();
        pending.add(id);
        // Every run since the last holding adds its id (refused ones too): keep the recent ones, bounded.
        ours.stream().limit(MAX_RECORDED - 1).forEach(pending::add);
        record.write(pending);
        try {
            Optional<Lease> lease = locks.acquire(NAME, purpose, Duration.ZERO, id);
            if (lease.isEmpty()) {
                Optional<LockService.LockInfo> holder = locks.inspect(NAME);
                if (holder.isPresent() && ours.contains(holder.get().holder().getLeaseId())) {
                    log.atWarn().addKeyValue("holder", describe(holder.get(), Instant.now()))
                            .log("the bootstrap lease was left by an earlier bootstrap of this data directory, "
                                    + "which is gone (this run holds the directory's file lock); taking it over");
                    locks.forceRelease(NAME, holder.get().revision());
                    lease = locks.acquire(NAME, purpose, Duration.ZERO, id);
                }
            }
            if (lease.isEmpty() && !wait.isZero() && !wait.isNegative()) {
                lease = locks.acquire(NAME, purpose, wait, id);
            }
            if (lease.isEmpty()) {
                String holder = locks.inspect(NAME).map(i -> describe(i, Instant.now()))
                        .orElse("a holder that has just released it");
                throw new LeaseUnavailableException("another bootstrap holds the lease '" + NAME + "' in "
                        + CLASS.bucket() + ": " + holder + "; wait for it (--lock-wait " + Durations.format(CLASS.ttl())
                        + "), or, if that bootstrap is gone, release the lease with 'orgctl lock release " + NAME
                        + " --ttl " + Durations.format(CLASS.ttl()) + " --force'");
            }
            record.write(List.of(id));
            return lease.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BootstrapException("interrupted while waiting for the bootstrap lease", e);
        }
    }

    /**
     * A holder in words, from what it wrote about itself: who, where, since when, and how long its
     * lease lasts unless renewed.
     */
    static String describe(LockService.LockInfo info, Instant now) {
        LockHolder h = info.holder();
        StringBuilder sb = new StringBuilder();
        sb.append(h.getProcess().isEmpty() ? "an unnamed holder" : h.getProcess());
        if (!h.getPurpose().isEmpty()) {
            sb.append(" (").append(h.getPurpose()).append(')');
        }
        sb.append(", pid ").append(h.getPid()).append(" on ").append(h.getHost().isEmpty() ? "an unknown host" : h.getHost());
        if (!h.getUser().isEmpty()) {
            sb.append(" as ").append(h.getUser());
        }
        if (h.hasAcquiredAt()) {
            sb.append(", since ").append(Instant.ofEpochSecond(h.getAcquiredAt().getSeconds()).truncatedTo(ChronoUnit.SECONDS));
        }
        sb.append(", ").append(words(info.timeLeft(now))).append(" left unless renewed");
        return sb.toString();
    }

    private static String words(Duration d) {
        long s = d.toSeconds();
        return s >= 60 ? (s / 60) + "m " + (s % 60) + "s" : s + "s";
    }

    /**
     * The lock bucket is part of the topology, which a stage applies later; the lease must be held
     * before that stage writes, so its bucket is created here, with the topology's own declaration.
     */
    private static void ensureBucket(Connection connection, NatsConnector connector, Topology topology) {
        BucketSpec spec = (BucketSpec) topology.find(CLASS.bucket()).orElseThrow();
        try {
            KeyValueManagement kvm = connection.keyValueManagement(connector.keyValueOptions());
            try {
                kvm.getStatus(CLASS.bucket());
            } catch (JetStreamApiException missing) {
                try {
                    kvm.create(spec.toConfiguration());
                } catch (JetStreamApiException raced) {
                    kvm.getStatus(CLASS.bucket()); // created meanwhile by someone else: fine if it is there now
                }
            }
        } catch (JetStreamApiException e) {
            throw new NatsUnavailableException("cannot create the lock bucket " + CLASS.bucket() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new NatsUnavailableException("JetStream did not answer about " + CLASS.bucket() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Whether the lease is still ours, as far as this process knows (no round trip). */
    boolean isHeld() {
        return lease.isHeld();
    }

    /** Round trip: throws {@link dev.orgctl.coordination.LeaseLostException} when the lease is no longer ours. */
    void checkStillHeld() {
        lease.checkStillHeld();
    }

    @Override
    public void close() {
        try {
            lease.release();
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("error", e.getMessage())
                    .log("could not release the bootstrap lease; it frees itself when its lease runs out");
        } finally {
            locks.close();
            closeQuietly(connection);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
