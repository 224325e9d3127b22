package dev.orgctl.coordination;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.proto.LockHolder;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatchOption;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>Thread-safe. Closing the service releases the leases it still holds.
 */
public final class LockService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LockService.class);
    /** JetStream's "wrong last sequence": the compare-and-set lost. */
    static final int WRONG_LAST_SEQUENCE = 10071;
    /** Newer servers answer a create of an existing key with "key exists". */
    static final int KEY_EXISTS = 10164;
    private static final long JITTER_BASE_NANOS = TimeUnit.MICROSECONDS.toNanos(250);

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
                    clamp(ttl.dividedBy(100), Duration.ofMillis(2), Duration.ofMillis(50)));
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
            Instant acquired = toInstant(holder.getAcquiredAt());
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
    private volatile boolean closed;

    private LockService(KeyValue kv, String bucket, Duration ttl, Settings settings, Identity identity) {
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
        KeyValue kv;
        Duration ttl;
        try {
            kv = connection.keyValue(bucket, options);
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
        return new LockService(kv, bucket, ttl, settings == null ? Settings.forTtl(ttl) : settings, identity);
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
        return tryCreate(name, key, holder);
    }

    /**
     * Takes the lock, waiting at most {@code maxWait} for the holder to release it or for its lease
     * to run out. While it waits it watches the key (a release wakes it at once) and otherwise sleeps
     * until the holder's lease would end, at most {@link Settings#maxNap} at a time; every retry is
     * delayed by a random jitter so that waiters do not stampede.
     *
     * @return empty when the lock was still held when {@code maxWait} ran out
     */
    public Optional<Lease> acquire(String name, String purpose, Duration maxWait) throws InterruptedException {
        ensureOpen();
        String key = KeyCodec.encode(name);
        LockHolder holder = newHolder(name, purpose);
        Optional<Lease> lease = tryCreate(name, key, holder);
        if (lease.isPresent() || maxWait.isZero() || maxWait.isNegative()) {
            return lease;
        }
        long deadline = System.nanoTime() + maxWait.toNanos();
        LinkedBlockingQueue<KeyValueEntry> events = new LinkedBlockingQueue<>();
        NatsKeyValueWatchSubscription watch = watch(key, events);
        int losses = 0;
        try {
            while (true) {
                lease = tryCreate(name, key, holder);
                if (lease.isPresent()) {
                    return lease;
                }
                // Held: sleep until the holder's lease would end, or until the watcher reports news.
                long wakeAt = Math.min(deadline, System.nanoTime() + settings.maxNap().toNanos());
                Optional<Instant> expiry = currentExpiry(key);
                if (expiry.isPresent()) {
                    long untilExpiry = Duration.between(Instant.now(), expiry.get()).toNanos();
                    wakeAt = Math.min(wakeAt, System.nanoTime() + Math.max(0, untilExpiry));
                } else {
                    wakeAt = System.nanoTime(); // gone between our create and get: retry now
                }
                boolean freed = false;
                while (!freed) {
                    long waitNanos = wakeAt - System.nanoTime();
                    if (waitNanos <= 0) {
                        break;
                    }
                    KeyValueEntry e = events.poll(waitNanos, TimeUnit.NANOSECONDS);
                    if (e == null) {
                        break;
                    }
                    if (e.getOperation() != KeyValueOperation.PUT) {
                        freed = true;
                    } else if (e.getCreated() != null) {
                        // A renewal: the lease starts again.
                        long untilExpiry = Duration.between(Instant.now(), e.getCreated().toInstant().plus(ttl))
                                .toNanos();
                        wakeAt = Math.min(Math.min(deadline, System.nanoTime() + settings.maxNap().toNanos()),
                                System.nanoTime() + Math.max(0, untilExpiry));
                    }
                }
                if (System.nanoTime() >= deadline) {
                    return tryCreate(name, key, holder);
                }
                // Jitter grows with every lost race (bounded), so waiters that keep losing spread out.
                losses++;
                long jitter = Math.min(settings.jitter().toNanos(), JITTER_BASE_NANOS << Math.min(losses, 20));
                if (jitter > 0) {
                    TimeUnit.NANOSECONDS.sleep(ThreadLocalRandom.current().nextLong(jitter + 1));
                }
            }
        } finally {
            try {
                watch.unsubscribe();
            } catch (RuntimeException e) {
                log.atDebug().addKeyValue("lock", name).addKeyValue("error", e.toString()).log("watch unsubscribe failed");
            }
        }
    }

    /** Every held lock of this bucket, by name. */
    public List<LockInfo> list() {
        List<LockInfo> out = new ArrayList<>();
        try {
            for (String key : kv.keys()) {
                inspectKey(key).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot list locks in " + bucket + ": " + e.getMessage(), e);
        } catch (JetStreamApiException e) {
            throw new CoordinationException("cannot list locks in " + bucket + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsUnavailableException("interrupted while listing locks", e);
        }
        out.sort(Comparator.comparing(LockInfo::name));
        return out;
    }

    /** The current holder of a lock, if any. */
    public Optional<LockInfo> inspect(String name) {
        return inspectKey(KeyCodec.encode(name));
    }

    /**
     * Deletes a lock whoever holds it, but only if it is still the holding the operator saw
     * (revision {@code expectedRevision}): an operator's tool, not for programs.
     *
     * @return false when the lock changed hands or vanished in the meantime
     */
    public boolean forceRelease(String name, long expectedRevision) {
        String key = KeyCodec.encode(name);
        try {
            kv.delete(key, expectedRevision);
            log.atWarn().addKeyValue("lock", name).addKeyValue("bucket", bucket)
                    .addKeyValue("revision", expectedRevision).addKeyValue("by", identity.user() + "@" + identity.host())
                    .log("lock released by force");
            return true;
        } catch (JetStreamApiException e) {
            if (isConflict(e)) {
                return false;
            }
            throw new CoordinationException("cannot release " + name + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot release " + name + ": " + e.getMessage(), e);
        }
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

    static boolean isConflict(JetStreamApiException e) {
        return e.getApiErrorCode() == WRONG_LAST_SEQUENCE || e.getApiErrorCode() == KEY_EXISTS;
    }

    static Instant toInstant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    static Optional<LockHolder> parseHolder(byte[] value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(LockHolder.parseFrom(value));
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        }
    }

    private Optional<Lease> tryCreate(String name, String key, LockHolder holder) {
        long sent = System.nanoTime();
        try {
            long revision = kv.create(key, holder.toByteArray());
            return Optional.of(adopt(name, key, holder, revision, sent));
        } catch (JetStreamApiException e) {
            if (isConflict(e)) {
                return Optional.empty();
            }
            throw new CoordinationException("cannot acquire " + name + ": " + e.getMessage(), e);
        } catch (IOException e) {
            // The create may have reached the server and only the answer was lost: look.
            Optional<KeyValueEntry> entry = getQuietly(key);
            if (entry.isPresent() && parseHolder(entry.get().getValue())
                    .map(h -> h.getLeaseId().equals(holder.getLeaseId())).orElse(false)) {
                return Optional.of(adopt(name, key, holder, entry.get().getRevision(), sent));
            }
            throw new NatsUnavailableException("cannot acquire " + name + ": " + e.getMessage(), e);
        }
    }

    private Lease adopt(String name, String key, LockHolder holder, long revision, long sentNanos) {
        Lease lease = new Lease(this, name, key, holder.toBuilder().setToken(revision).build(), revision, ttl,
                settings, sentNanos);
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
                .setAcquiredAt(timestamp(Instant.now()))
                .setTtlMs(ttl.toMillis())
                .build();
    }

    private Optional<Instant> currentExpiry(String key) {
        return getQuietly(key).map(e -> e.getCreated().toInstant().plus(ttl));
    }

    private Optional<KeyValueEntry> getQuietly(String key) {
        try {
            KeyValueEntry e = kv.get(key);
            return e == null || e.getOperation() != KeyValueOperation.PUT ? Optional.empty() : Optional.of(e);
        } catch (IOException | JetStreamApiException e) {
            return Optional.empty();
        }
    }

    private Optional<LockInfo> inspectKey(String key) {
        KeyValueEntry e;
        try {
            e = kv.get(key);
        } catch (IOException ex) {
            throw new NatsUnavailableException("cannot read lock " + key + ": " + ex.getMessage(), ex);
        } catch (JetStreamApiException ex) {
            throw new CoordinationException("cannot read lock " + key + ": " + ex.getMessage(), ex);
        }
        if (e == null || e.getOperation() != KeyValueOperation.PUT) {
            return Optional.empty();
        }
        String name;
        try {
            name = KeyCodec.decode(key);
        } catch (IllegalArgumentException ex) {
            name = key;
        }
        LockHolder holder = parseHolder(e.getValue()).orElse(LockHolder.getDefaultInstance());
        return Optional.of(new LockInfo(name, key, bucket, holder, e.getRevision(), e.getCreated().toInstant(), ttl));
    }

    private NatsKeyValueWatchSubscription watch(String key, LinkedBlockingQueue<KeyValueEntry> events)
            throws InterruptedException {
        KeyValueWatcher watcher = new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry entry) {
                events.offer(entry);
            }

            @Override
            public void endOfData() {
                // updates only: nothing to mark
            }
        };
        try {
            return kv.watch(key, watcher, KeyValueWatchOption.UPDATES_ONLY, KeyValueWatchOption.META_ONLY);
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot watch lock " + key + ": " + e.getMessage(), e);
        } catch (JetStreamApiException e) {
            throw new CoordinationException("cannot watch lock " + key + ": " + e.getMessage(), e);
        }
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
