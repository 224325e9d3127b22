package dev.orgctl.coordination;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.proto.LockHolder;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatchOption;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.api.MessageInfo;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
 * <p>Thread-safe. Closing the service releases the leases it still holds.
 */
public final class LockService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LockService.class);
    /** JetStream's "wrong last sequence": the compare-and-set lost. */
    static final int WRONG_LAST_SEQUENCE = 10071;
    /** Newer servers answer a create of an existing key with "key exists". */
    static final int KEY_EXISTS = 10164;
    private static final long JITTER_BASE_NANOS = TimeUnit.MICROSECONDS.toNanos(250);
    private static final int NO_MESSAGE_FOUND = 10037;
    private static final String KV_OPERATION = "KV-Operation";
    /** How long an unused key watcher is kept for the next wait on the same lock. */
    static final Duration WATCH_IDLE = Duration.ofSeconds(30);

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
    private final JetStreamManagement jsm;
    private final String stream;
    private final String subjectPrefix;
    private final Map<String, KeyWatch> watches = new HashMap<>();
    private boolean sweeping;
    private volatile boolean closed;

    private LockService(KeyValue kv, JetStreamManagement jsm, String bucket, Duration ttl, Settings settings,
                        Identity identity) {
        this.kv = kv;
        this.jsm = jsm;
        this.stream = "KV_" + bucket;
        this.subjectPrefix = "$KV." + bucket + ".";
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
        return Optional.ofNullable(tryCreate(name, key, newHolder(name, purpose), 0).lease());
    }

    /**
     * Takes the lock, waiting at most {@code maxWait} for the holder to release it or for its lease
     * to run out. While it waits it watches the key (a release wakes it at once; the watcher is shared
     * by the waiters of this service and kept a while for the next wait) and otherwise sleeps until
     * the holder's lease would end, at most {@link Settings#maxNap} at a time. Every retry after a lost
     * race is delayed by a random jitter that grows with the losses, so waiters do not stampede.
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
        String key = KeyCodec.encode(name);
        LockHolder holder = newHolder(name, purpose).toBuilder().setLeaseId(leaseId).build();
        Attempt attempt = tryCreate(name, key, holder, 0);
        if (attempt.lease() != null || maxWait.isZero() || maxWait.isNegative()) {
            return Optional.ofNullable(attempt.lease());
        }
        long deadline = System.nanoTime() + maxWait.toNanos();
        Opened opened = openWatch(key);
        KeyWatch watch = opened.watch();
        int losses = 0;
        try {
            long seen = watch.version();
            if (opened.created()) {
                // A new watcher misses a release that happened before it started: look once more.
                attempt = tryCreate(name, key, holder, 0);
            }
            while (attempt.lease() == null) {
                // Held: sleep until the holder's lease would end, or until the watcher reports news.
                long now = System.nanoTime();
                long wakeAt = Math.min(deadline, now + settings.maxNap().toNanos());
                if (attempt.lastWrite() != null) {
                    wakeAt = Math.min(wakeAt, now + Math.max(0, untilExpiry(attempt.lastWrite())));
                } else {
                    wakeAt = now; // gone between our write and our look: try again now
                }
                long hint = 0;
                // News the (shared) watcher got after our look but before we started waiting.
                KeyValueEntry e = watch.newerThan(attempt.revision());
                while (true) {
                    if (e == null) {
                        e = watch.awaitAfter(seen, wakeAt);
                        if (e == null) {
                            break; // the lease may have run out (that makes no event), or the nap is over
                        }
                    }
                    seen = watch.version();
                    if (e.getOperation() != KeyValueOperation.PUT) {
                        hint = e.getRevision(); // released: the delete marker is the last message
                        break;
                    }
                    if (e.getCreated() != null) {
                        // Taken or renewed: the lease starts again from this write.
                        wakeAt = Math.min(Math.min(deadline, System.nanoTime() + settings.maxNap().toNanos()),
                                System.nanoTime() + Math.max(0, untilExpiry(e.getCreated().toInstant())));
                    }
                    e = null;
                }
                if (System.nanoTime() >= deadline) {
                    return Optional.ofNullable(tryCreate(name, key, holder, hint).lease());
                }
                if (losses > 0) {
                    // Jitter grows with every lost race (bounded), so waiters that keep losing spread out.
                    long jitter = Math.min(settings.jitter().toNanos(), JITTER_BASE_NANOS << Math.min(losses, 20));
                    TimeUnit.NANOSECONDS.sleep(ThreadLocalRandom.current().nextLong(jitter + 1));
                }
                attempt = tryCreate(name, key, holder, hint);
                losses++;
            }
            return Optional.of(attempt.lease());
        } finally {
            closeWatch(watch);
        }
    }

    private long untilExpiry(Instant lastWrite) {
        return Duration.between(Instant.now(), lastWrite.plus(ttl)).toNanos();
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
        synchronized (watches) {
            watches.values().forEach(LockService::unsubscribe);
            watches.clear();
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

    /**
     * The result of one try: the lease, or (when held) the server time and revision of the holder's
     * last write (null and 0 when unknown).
     */
    private record Attempt(Lease lease, Instant lastWrite, long revision) {
    }

    /**
     * Create-if-absent: a write that expects {@code expected} to be the key's last revision (0: no
     * message at all). If that is not so, a look at the key's last message tells whether it is held
     * (a value) or free (a delete or purge marker, whose revision the write then expects). A release
     * seen by the watcher hands its marker's revision in as {@code expected}: one round trip.
     */
    private Attempt tryCreate(String name, String key, LockHolder holder, long expected) {
        byte[] value = holder.toByteArray();
        Instant lastWrite = null;
        long lastRevision = 0;
        for (int i = 0; i < 4; i++) {
            long sent = System.nanoTime();
            try {
                long revision = kv.update(key, value, expected);
                if (!readBack(name, key, holder, revision, sent)) {
                    return new Attempt(null, null, 0); // our lease ran out while we looked: as if held
                }
                return new Attempt(adopt(name, key, holder, revision, sent), null, 0);
            } catch (JetStreamApiException e) {
                if (!isConflict(e)) {
                    throw new CoordinationException("cannot acquire " + name + ": " + e.getMessage(), e);
                }
            } catch (IOException e) {
                // The write may have reached the server and only the answer was lost: look.
                Optional<KeyValueEntry> entry = getQuietly(key);
                if (entry.isPresent() && parseHolder(entry.get().getValue())
                        .map(h -> h.getLeaseId().equals(holder.getLeaseId())).orElse(false)) {
                    return new Attempt(adopt(name, key, holder, entry.get().getRevision(), sent), null, 0);
                }
                throw new NatsUnavailableException("cannot acquire " + name + ": " + e.getMessage(), e);
            }
            Optional<MessageInfo> last = lastMessage(key);
            if (last.isEmpty()) {
                expected = 0; // expired (the lease ran out): no message left
                continue;
            }
            if (isMarker(last.get())) {
                expected = last.get().getSeq();
                continue;
            }
            lastWrite = last.get().getTime().toInstant();
            lastRevision = last.get().getSeq();
            break;
        }
        return new Attempt(null, lastWrite, lastRevision);
    }

    /**
     * After a create the server confirmed: the key must read back as this holding, at the revision
     * of that create, before anyone is told the lock is held. A server whose per-key state is
     * corrupt confirms a create over a live holder and then reads the key as empty; believing the
     * create would let two holders in.
     *
     * @return false when the answer came so late that the lease may have run out (a stall, not a
     *         corrupt bucket): the caller treats the lock as not taken
     * @throws LockStateCorruptException when the read disagrees with the write
     */
    private boolean readBack(String name, String key, LockHolder holder, long revision, long sentNanos) {
        KeyValueEntry e;
        try {
            e = kv.get(key);
        } catch (IOException | JetStreamApiException ex) {
            deleteQuietly(key, revision);
            throw new NatsUnavailableException("cannot read back lock " + name + " after taking it (" + ex.getMessage()
                    + "); it was given up", ex);
        }
        Optional<LockHolder> seen = e == null || e.getOperation() != KeyValueOperation.PUT ? Optional.empty()
                : parseHolder(e.getValue());
        if (seen.isPresent() && seen.get().getLeaseId().equals(holder.getLeaseId()) && e.getRevision() == revision) {
            return true;
        }
        if (System.nanoTime() - sentNanos >= ttl.minus(settings.lossMargin()).toNanos()) {
            return false;
        }
        deleteQuietly(key, revision);
        String observed = seen.isEmpty() ? "a read of the key right after it returns nothing"
                : !seen.get().getLeaseId().equals(holder.getLeaseId())
                        ? "a read of the key right after it shows another holder, " + Lease.describe(seen.get())
                        : "a read of the key right after it shows revision " + e.getRevision() + " instead of " + revision;
        LockStateCorruptException ex = new LockStateCorruptException(bucket, name, observed);
        log.atError().addKeyValue("lock", name).addKeyValue("bucket", bucket).addKeyValue("revision", revision)
                .log(ex.getMessage());
        throw ex;
    }

    /** Best effort: take back a create that cannot be trusted (a corrupt bucket may refuse this too). */
    private void deleteQuietly(String key, long revision) {
        try {
            kv.delete(key, revision);
        } catch (IOException | JetStreamApiException | RuntimeException ex) {
            log.atDebug().addKeyValue("key", key).addKeyValue("error", ex.toString()).log("could not take back a create");
        }
    }

    private Optional<MessageInfo> lastMessage(String key) {
        try {
            return Optional.of(jsm.getLastMessage(stream, subjectPrefix + key));
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == NO_MESSAGE_FOUND) {
                return Optional.empty();
            }
            throw new CoordinationException("cannot read lock " + key + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new NatsUnavailableException("cannot read lock " + key + ": " + e.getMessage(), e);
        }
    }

    private static boolean isMarker(MessageInfo mi) {
        String op = mi.getHeaders() == null ? null : mi.getHeaders().getFirst(KV_OPERATION);
        return op != null && !op.equals("PUT");
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

    /**
     * A watcher of one key (updates only, metadata only), shared by this service's waiters on that
     * key and kept for {@link #WATCH_IDLE} after the last of them, so that a worker waiting for the
     * same lock again does not pay for a new consumer every time.
     */
    private static final class KeyWatch implements KeyValueWatcher {
        final String key;
        NatsKeyValueWatchSubscription sub;
        int users;
        long idleSince;
        private long version;
        private KeyValueEntry last;

        KeyWatch(String key) {
            this.key = key;
        }

        @Override
        public synchronized void watch(KeyValueEntry entry) {
            last = entry;
            version++;
            notifyAll();
        }

        @Override
        public void endOfData() {
            // updates only: nothing to mark
        }

        synchronized long version() {
            return version;
        }

        /** The newest entry seen, if its revision is above {@code revision}. */
        synchronized KeyValueEntry newerThan(long revision) {
            return last != null && last.getRevision() > revision ? last : null;
        }

        /** The newest entry if one arrived after {@code seen}, else waits until {@code deadline} (nanoTime). */
        synchronized KeyValueEntry awaitAfter(long seen, long deadline) throws InterruptedException {
            while (version == seen) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return last;
        }
    }

    private record Opened(KeyWatch watch, boolean created) {
    }

    // closeIdleWatches catches its own failures (unsubscribe), so the sweep cannot stop unseen.
    @SuppressWarnings("FutureReturnValueIgnored")
    private Opened openWatch(String key) throws InterruptedException {
        synchronized (watches) {
            KeyWatch w = watches.get(key);
            if (w != null) {
                w.users++;
                return new Opened(w, false);
            }
            w = new KeyWatch(key);
            try {
                w.sub = kv.watch(key, w, KeyValueWatchOption.UPDATES_ONLY, KeyValueWatchOption.META_ONLY);
            } catch (IOException e) {
                throw new NatsUnavailableException("cannot watch lock " + key + ": " + e.getMessage(), e);
            } catch (JetStreamApiException e) {
                throw new CoordinationException("cannot watch lock " + key + ": " + e.getMessage(), e);
            }
            w.users = 1;
            watches.put(key, w);
            if (!sweeping) {
                sweeping = true;
                long every = WATCH_IDLE.toMillis();
                scheduler.scheduleWithFixedDelay(this::closeIdleWatches, every, every, TimeUnit.MILLISECONDS);
            }
            return new Opened(w, true);
        }
    }

    private void closeWatch(KeyWatch w) {
        synchronized (watches) {
            w.users--;
            w.idleSince = System.nanoTime();
        }
    }

    private void closeIdleWatches() {
        List<KeyWatch> idle = new ArrayList<>();
        synchronized (watches) {
            long now = System.nanoTime();
            watches.values().removeIf(w -> {
                boolean gone = w.users == 0 && now - w.idleSince >= WATCH_IDLE.toNanos();
                if (gone) {
                    idle.add(w);
                }
                return gone;
            });
        }
        for (KeyWatch w : idle) {
            unsubscribe(w);
        }
    }

    private static void unsubscribe(KeyWatch w) {
        try {
            w.sub.unsubscribe();
        } catch (RuntimeException e) {
            log.atDebug().addKeyValue("key", w.key).addKeyValue("error", e.toString()).log("watch unsubscribe failed");
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
