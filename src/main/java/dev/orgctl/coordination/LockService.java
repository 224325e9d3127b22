package dev.orgctl.coordination;

import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.proto.LockHolder;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leased, fenced locks on one KV bucket (one {@link LeaseClass}).
 *
 * <ul>
 *   <li><b>Acquire</b> is a create-if-absent of the lock's key, with a {@link LockHolder} value naming
 *       the process, host, purpose and time. The KV revision of that write is the <b>fencing
 *       token</b>: JetStream revisions of a bucket only grow, so every later holder of any lock in the
 *       bucket gets a larger token.</li>
 *   <li><b>Renew</b>: a background thread rewrites the value every quarter lease with a
 *       compare-and-set on the last revision; a write resets the entry's age, so the lease (the
 *       bucket's TTL) starts again.</li>
 *   <li><b>Release</b> is a compare-and-set delete: a holder whose lease ran out cannot delete the
 *       lock someone else has taken since.</li>
 *   <li><b>Crash</b>: nobody renews, the entry reaches the bucket's max age and the server removes
 *       it; the next create succeeds.</li>
 * </ul>
 *
 * <p>This class is the facade; the parts live beside it: {@link LockStore} (the records: create,
 * read-back, fencing), {@link LockWaiter} (acquiring with a wait), {@link LockAdmin} (list,
 * inspect, forced release for {@code orgctl lock}) and {@link Lease} (one holding: renew, release).
 *
 * <p>Thread-safe. Closing the service releases the leases it still holds.
 */
public final class LockService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LockService.class);

    /**
     * Timing of the leases, derived from the TTL by {@link #forTtl}.
     *
     * @param renewEvery how often a held lease is renewed; {@code Duration.ZERO} disables renewal
     *                   (tests use it to play a holder that stalls)
     * @param lossMargin a lease counts as lost this long before it could expire on the server, so the
     *                   holder has this long to stop its work before anybody else can take the lock
     * @param retryEvery how soon a failed renewal is retried
     * @param maxNap     the longest a waiting acquire sleeps without news from the key's watcher
     * @param jitter     upper bound of the random delay before a waiter tries again
     */
    public record Settings(Duration renewEvery, Duration lossMargin, Duration retryEvery, Duration maxNap,
                           Duration jitter) {
        public static Settings forTtl(Duration ttl) {
            Duration quarter = ttl.dividedBy(4);
            return new Settings(quarter, quarter, clamp(ttl.dividedBy(20), Duration.ofMillis(50), Duration.ofSeconds(1)),
                    clamp(quarter, Duration.ofMillis(100), Duration.ofSeconds(5)),
                    clamp(ttl.dividedBy(1000), Duration.ofMillis(1), Duration.ofMillis(5)));
        }

        public Settings withoutRenewal() {
            return new Settings(Duration.ZERO, lossMargin, retryEvery, maxNap, jitter);
        }

        private static Duration clamp(Duration d, Duration min, Duration max) {
            return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
        }
    }

    /** Who this process is, written into every lock it takes. */
    public record Identity(String host, long pid, String process, String user) {
        public static Identity current(String process) {
            return new Identity(hostName(), ProcessHandle.current().pid(), process,
                    System.getProperty("user.name", ""));
        }
    }

    /** A held lock as {@link #list()} shows it. */
    public record LockInfo(String name, String key, String bucket, LockHolder holder, long revision,
                           Instant lastWrite, Duration ttl) {
        /** Time since the holder acquired the lock (from its own clock). */
        public Duration age(Instant now) {
            Instant acquired = LockStore.toInstant(holder.getAcquiredAt());
            return acquired.equals(Instant.EPOCH) ? Duration.ZERO : Duration.between(acquired, now);
        }

        /** Time until the lease runs out unless renewed (server time of the last write + TTL). */
        public Duration timeLeft(Instant now) {
            Duration left = Duration.between(now, lastWrite.plus(ttl));
            return left.isNegative() ? Duration.ZERO : left;
        }

        /** The fencing token of this holding. */
        public long token() {
            return holder.getToken() != 0 ? holder.getToken() : revision;
        }
    }

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static volatile String cachedHost;

    private final KeyValue kv;
    private final String bucket;
    private final Duration ttl;
    private final Settings settings;
    private final Identity identity;
    private final ScheduledThreadPoolExecutor scheduler;
    private final Set<Lease> held = ConcurrentHashMap.newKeySet();
    private final LockStore store;
    private final LockWaiter waiter;
    private final LockAdmin admin;
    private volatile boolean closed;

    private LockService(KeyValue kv, JetStreamManagement jsm, String bucket, Duration ttl, Settings settings,
                        Identity identity) {
        this.kv = kv;
        this.bucket = bucket;
        this.ttl = ttl;
        this.settings = settings;
        this.identity = identity;
        this.scheduler = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, "orgctl-lease-renewer-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.store = new LockStore(kv, jsm, bucket, ttl, settings.lossMargin());
        this.waiter = new LockWaiter(store, settings, ttl, scheduler);
        this.admin = new LockAdmin(kv, bucket, ttl, identity);
    }

    /** The locks of one lease class, for a process described by {@code process}. */
    public static LockService open(NatsRuntime nats, LeaseClass leaseClass, String process) {
        return open(nats.connection(), nats.connector().keyValueOptions(), leaseClass.bucket(),
                Identity.current(process), null);
    }

    /**
     * The locks of any bucket with a TTL. The lease is read from the bucket itself, so a bucket whose
     * TTL was changed on the server is used with its real lease.
     *
     * @param settings null: {@link Settings#forTtl} of the bucket's TTL
     */
    public static LockService open(Connection connection, KeyValueOptions options, String bucket, Identity identity,
                                   Settings settings) {
        return open(connection, options, bucket, identity, settings, UnaryOperator.identity());
    }

    /**
     * As {@link #open(Connection, KeyValueOptions, String, Identity, Settings)}, with the bucket's
     * {@link KeyValue} passed through {@code decorate} first: a wrapper that counts, traces, or (in
     * tests) plays a server whose answers disagree with each other.
     */
    public static LockService open(Connection connection, KeyValueOptions options, String bucket, Identity identity,
                                   Settings settings, UnaryOperator<KeyValue> decorate) {
        KeyValue kv;
        JetStreamManagement jsm;
        Duration ttl;
        try {
            kv = decorate.apply(connection.keyValue(bucket, options));
            jsm = connection.jetStreamManagement(options == null ? null : options.getJetStreamOptions());
            ttl = kv.getStatus().getTtl();
        } catch (JetStreamApiException e) {
            throw new CoordinationException("lock bucket " + bucket + " is not available (" + e.getMessage()
                    + "); create it with 'orgctl topology apply'", e);
        } catch (IOException e) {
            throw new NatsUnavailableException("lock bucket " + bucket + " is not available: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsUnavailableException("interrupted while opening lock bucket " + bucket, e);
        }
        if (ttl == null || ttl.isZero() || ttl.isNegative()) {
            throw new CoordinationException("KV bucket " + bucket + " has no TTL, so it cannot hold leases", null);
        }
        return new LockService(kv, jsm, bucket, ttl, settings == null ? Settings.forTtl(ttl) : settings, identity);
    }

    public String bucket() {
        return bucket;
    }

    /** The lease: the bucket's TTL. */
    public Duration ttl() {
        return ttl;
    }

    public Settings settings() {
        return settings;
    }

    /** Takes the lock if nobody holds it; never waits. */
    public Optional<Lease> tryAcquire(String name, String purpose) {
        ensureOpen();
        String key = KeyCodec.encode(name);
        LockHolder holder = newHolder(name, purpose);
        LockStore.Attempt attempt = store.tryCreate(name, key, holder, 0);
        return attempt instanceof LockStore.Taken t ? Optional.of(adopt(name, key, holder, t)) : Optional.empty();
    }

    /**
     * Takes the lock, waiting at most {@code maxWait} for the holder to release it or for its lease
     * to run out ({@link LockWaiter}: a watch of the key, naps bounded by {@link Settings#maxNap},
     * and a jitter after every lost race).
     *
     * @return empty when the lock was still held when {@code maxWait} ran out
     */
    public Optional<Lease> acquire(String name, String purpose, Duration maxWait) throws InterruptedException {
        return acquire(name, purpose, maxWait, UUID.randomUUID().toString());
    }

    /**
     * {@link #acquire(String, String, Duration)} with the lease id chosen by the caller. A caller
     * that records the id somewhere it alone owns before acquiring (the bootstrap: its data
     * directory, under an OS file lock) can later prove that a holding with that id was its own,
     * even if it died between the write and the answer.
     */
    public Optional<Lease> acquire(String name, String purpose, Duration maxWait, String leaseId)
            throws InterruptedException {
        ensureOpen();
        LockHolder holder = newHolder(name, purpose).toBuilder().setLeaseId(leaseId).build();
        return waiter.acquire(name, KeyCodec.encode(name), holder, maxWait, this::adopt);
    }

    /** Every held lock of this bucket, by name. */
    public List<LockInfo> list() {
        return admin.list();
    }

    /** The current holder of a lock, if any. */
    public Optional<LockInfo> inspect(String name) {
        return admin.inspect(name);
    }

    /**
     * Deletes a lock whoever holds it, but only if it is still the holding the operator saw
     * (revision {@code expectedRevision}): an operator's tool, not for programs.
     *
     * @return false when the lock changed hands or vanished in the meantime
     */
    public boolean forceRelease(String name, long expectedRevision) {
        return admin.forceRelease(name, expectedRevision);
    }

    /** Stops renewing and releases every lease this service still holds. */
    @Override
    public void close() {
        closed = true;
        for (Lease l : List.copyOf(held)) {
            try {
                l.release();
            } catch (RuntimeException e) {
                log.atWarn().addKeyValue("lock", l.name()).addKeyValue("error", e.getMessage())
                        .log("could not release lock on close; it frees itself when its lease runs out");
            }
        }
        waiter.close();
        scheduler.shutdownNow();
    }

    // ---- internals used by Lease ----

    KeyValue kv() {
        return kv;
    }

    ScheduledThreadPoolExecutor scheduler() {
        return scheduler;
    }

    void forget(Lease lease) {
        held.remove(lease);
    }

    private Lease adopt(String name, String key, LockHolder holder, LockStore.Taken taken) {
        long revision = taken.revision();
        Lease lease = new Lease(this, name, key, holder.toBuilder().setToken(revision).build(), revision, ttl,
                settings, taken.sentNanos());
        held.add(lease);
        lease.start();
        log.atDebug().addKeyValue("lock", name).addKeyValue("bucket", bucket).addKeyValue("token", revision)
                .addKeyValue("purpose", holder.getPurpose()).log("lock acquired");
        return lease;
    }

    private LockHolder newHolder(String name, String purpose) {
        return LockHolder.newBuilder()
                .setLeaseId(UUID.randomUUID().toString())
                .setName(name)
                .setPurpose(purpose == null ? "" : purpose)
                .setHost(identity.host())
                .setPid(identity.pid())
                .setProcess(identity.process() == null ? "" : identity.process())
                .setUser(identity.user() == null ? "" : identity.user())
                .setAcquiredAt(LockStore.timestamp(Instant.now()))
                .setTtlMs(ttl.toMillis())
                .build();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("lock service for " + bucket + " is closed");
        }
    }

    private static String hostName() {
        String h = cachedHost;
        if (h == null) {
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                h = "unknown-host";
            }
            cachedHost = h;
        }
        return h;
    }
}
