package dev.orgctl.coordination;

import dev.orgctl.nats.JetStreamErrors;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.proto.LockHolder;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One holding of a lock, from {@link LockService#tryAcquire} or {@link LockService#acquire}.
 *
 * <p>The lease is renewed in the background until {@link #release()} (or {@link #close()}). If a
 * renewal finds the lock taken, or renewals keep failing until the lease is within its loss margin
 * of expiring, the lease is <em>lost</em>: {@link #isHeld()} turns false, {@link #checkStillHeld()}
 * throws, and the listeners given to {@link #onLost} run (on a renewer thread).
 *
 * <p><b>Fencing.</b> {@link #token()} is the KV revision of the write that took the lock. Tokens of
 * later holdings of any lock in the same bucket are larger. Before an external write, work under
 * the lock calls {@link #checkStillHeld()} (one round trip), and where the external system can
 * compare, it passes the token along so that a write from an older holding is refused.
 */
public final class Lease implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Lease.class);

    private enum Status { HELD, RELEASED, LOST }

    private final LockService service;
    private final String name;
    private final String key;
    private final long token;
    private final Duration ttl;
    private final LockService.Settings settings;
    private final List<Consumer<LeaseLostException>> listeners = new CopyOnWriteArrayList<>();

    private LockHolder holder;
    private long revision;
    /** System.nanoTime() before the last write the server confirmed, plus the TTL. */
    private long confirmedUntil;
    private volatile Status status = Status.HELD;
    private volatile LeaseLostException lostCause;
    private ScheduledFuture<?> renewal;
    private ScheduledFuture<?> watchdog;

    Lease(LockService service, String name, String key, LockHolder holder, long revision, Duration ttl,
          LockService.Settings settings, long sentNanos) {
        this.service = service;
        this.name = name;
        this.key = key;
        this.holder = holder;
        this.token = revision;
        this.revision = revision;
        this.ttl = ttl;
        this.settings = settings;
        this.confirmedUntil = sentNanos + ttl.toNanos();
    }

    /** The lock's name. */
    public String name() {
        return name;
    }

    /** The KV key of the lock (the encoded name). */
    public String key() {
        return key;
    }

    public String bucket() {
        return service.bucket();
    }

    /** The fencing token: larger for every later holding of any lock in this bucket. */
    public long token() {
        return token;
    }

    /** What this holding wrote about itself. */
    public synchronized LockHolder holder() {
        return holder;
    }

    /** The KV revision of the last write of this holding (changes with every renewal). */
    public synchronized long revision() {
        return revision;
    }

    public Duration ttl() {
        return ttl;
    }

    /** A reference to this holding, as workflow records store it. */
    public dev.orgctl.proto.LockRef ref() {
        return dev.orgctl.proto.LockRef.newBuilder().setBucket(bucket()).setName(name).setToken(token).build();
    }

    /**
     * Whether this process still believes it holds the lock: not released, not lost, and not within
     * the loss margin of the lease's end. No round trip; see {@link #checkStillHeld()}.
     */
    public boolean isHeld() {
        if (status != Status.HELD) {
            return false;
        }
        synchronized (this) {
            return System.nanoTime() < confirmedUntil - settings.lossMargin().toNanos();
        }
    }

    /**
     * How long the lease surely lasts on the server unless renewed: measured from before the last
     * confirmed write, so it never overstates.
     */
    public synchronized Duration timeLeft() {
        long left = confirmedUntil - System.nanoTime();
        return status == Status.HELD && left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    /**
     * Verifies with the server that this holding still owns the lock: the key exists and carries
     * this holding's lease id, and the lease is not within its loss margin of the end. Call it
     * before each external write done under the lock.
     *
     * @throws LeaseLostException when it does not (the lease is then marked lost)
     */
    public void checkStillHeld() {
        Status s = status;
        if (s == Status.RELEASED) {
            throw new LeaseLostException(name, "it was released");
        }
        if (s == Status.LOST) {
            throw lostCause;
        }
        if (!isHeld()) {
            throw markLost("the lease could not be renewed in time");
        }
        KeyValueEntry e;
        try {
            e = service.kv().get(key);
        } catch (IOException ex) {
            throw new NatsUnavailableException("cannot check lock " + name + ": " + ex.getMessage(), ex);
        } catch (JetStreamApiException ex) {
            throw new CoordinationException("cannot check lock " + name + ": " + ex.getMessage(), ex);
        }
        if (e == null || e.getOperation() != KeyValueOperation.PUT) {
            throw markLost("the lock is gone (its lease ran out, or it was released by force)");
        }
        Optional<LockHolder> current = LockStore.parseHolder(e.getValue());
        if (current.isEmpty() || !current.get().getLeaseId().equals(holder().getLeaseId())) {
            throw markLost("it is now held by " + current.map(Lease::describe).orElse("someone else"));
        }
    }

    /** Renews now (the background renewer does this on its own). */
    public void renew() {
        if (!renewOnce(true)) {
            checkStillHeld();
        }
    }

    /** Runs {@code listener} once if the lease is lost (at once if it already is). */
    public void onLost(Consumer<LeaseLostException> listener) {
        listeners.add(listener);
        if (status == Status.LOST && listeners.remove(listener)) {
            listener.accept(lostCause);
        }
    }

    /**
     * Releases the lock with a compare-and-set delete on this holding's last revision, so that a
     * holding whose lease ran out cannot delete a lock someone else has taken since.
     *
     * @return true if this call released it; false if it was already released, or lost (the lock
     *         expired or belongs to someone else, and is left as it is)
     */
    public boolean release() {
        synchronized (this) {
            if (status != Status.HELD) {
                return false;
            }
            cancelTimers();
            boolean ioFailed = false;
            for (int attempt = 0; ; attempt++) {
                try {
                    service.kv().delete(key, revision);
                    status = Status.RELEASED;
                    service.forget(this);
                    log.atDebug().addKeyValue("lock", name).addKeyValue("token", token).log("lock released");
                    return true;
                } catch (JetStreamApiException e) {
                    if (JetStreamErrors.isConflict(e) && attempt == 0 && adoptLostAck()) {
                        continue;
                    }
                    if (JetStreamErrors.isConflict(e) && ioFailed && heldByNobody()) {
                        // An earlier attempt's delete landed; only its answer was lost.
                        status = Status.RELEASED;
                        service.forget(this);
                        return true;
                    }
                    if (JetStreamErrors.isConflict(e)) {
                        // Nothing of ours to delete: our lease ran out (and maybe someone else holds it now).
                        lostCause = new LeaseLostException(name, "the lease had run out before the release");
                        status = Status.LOST;
                        service.forget(this);
                        log.atWarn().addKeyValue("lock", name).addKeyValue("token", token)
                                .log("release refused: the lease had already run out; the lock was left alone");
                        return false;
                    }
                    throw new CoordinationException("cannot release " + name + ": " + e.getMessage(), e);
                } catch (IOException e) {
                    ioFailed = true;
                    if (attempt < 2) {
                        continue;
                    }
                    throw new NatsUnavailableException("cannot release " + name + " (it frees itself when its lease "
                            + "runs out): " + e.getMessage(), e);
                }
            }
        }
    }

    /** Same as {@link #release()}, for try-with-resources. */
    @Override
    public void close() {
        release();
    }

    @Override
    public String toString() {
        return "Lease[" + service.bucket() + "/" + name + " token=" + token + " " + status + "]";
    }

    static String describe(LockHolder h) {
        StringBuilder sb = new StringBuilder();
        sb.append(h.getProcess().isEmpty() ? "?" : h.getProcess());
        sb.append(" (pid ").append(h.getPid()).append(" on ").append(h.getHost().isEmpty() ? "?" : h.getHost());
        if (!h.getUser().isEmpty()) {
            sb.append(", user ").append(h.getUser());
        }
        sb.append(')');
        if (!h.getPurpose().isEmpty()) {
            sb.append(": ").append(h.getPurpose());
        }
        return sb.toString();
    }

    // ---- renewal ----

    void start() {
        synchronized (this) {
            scheduleWatchdog();
            if (!settings.renewEvery().isZero()) {
                scheduleRenewal(settings.renewEvery());
            }
        }
    }

    private void scheduleRenewal(Duration in) {
        try {
            renewal = service.scheduler().schedule(() -> renewOnce(false), in.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the service is closing
        }
    }

    private void scheduleWatchdog() {
        if (watchdog != null) {
            watchdog.cancel(false);
        }
        long at = confirmedUntil - settings.lossMargin().toNanos() - System.nanoTime();
        try {
            watchdog = service.scheduler().schedule(this::checkDeadline, Math.max(0, at), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the service is closing
        }
    }

    private void checkDeadline() {
        if (status == Status.HELD && !isHeld()) {
            markLost("renewals failed until the lease was within " + settings.lossMargin().toMillis()
                    + " ms of running out");
        }
    }

    /** One renewal attempt; schedules the next one. Returns true if the lease was renewed. */
    private boolean renewOnce(boolean explicit) {
        String failure;
        synchronized (this) {
            if (status != Status.HELD) {
                return false;
            }
            LockHolder next = holder.toBuilder().setRenewedAt(LockStore.timestamp(Instant.now())).build();
            long sent = System.nanoTime();
            try {
                revision = service.kv().update(key, next.toByteArray(), revision);
                holder = next;
                confirmedUntil = sent + ttl.toNanos();
                scheduleWatchdog();
                if (!explicit && !settings.renewEvery().isZero()) {
                    scheduleRenewal(settings.renewEvery());
                }
                return true;
            } catch (JetStreamApiException e) {
                if (JetStreamErrors.isConflict(e)) {
                    if (adoptLostAck()) {
                        if (!explicit) {
                            scheduleRenewal(Duration.ZERO);
                        }
                        return false;
                    }
                    failure = null;
                } else {
                    failure = e.getMessage();
                }
            } catch (IOException | RuntimeException e) {
                failure = e.toString();
            }
            if (failure == null) {
                cancelTimers();
            }
        }
        if (failure == null) {
            markLost("the lock was taken by another holder or ran out before the renewal");
            return false;
        }
        if (isHeld()) {
            log.atWarn().addKeyValue("lock", name).addKeyValue("error", failure)
                    .addKeyValue("time_left_ms", timeLeft().toMillis()).log("lease renewal failed; retrying");
            if (!explicit) {
                synchronized (this) {
                    scheduleRenewal(settings.retryEvery());
                }
            }
        } else {
            markLost("renewals failed until the lease was about to run out: " + failure);
        }
        return false;
    }

    /**
     * After a lost compare-and-set: if the entry still carries our lease id, an earlier write of
     * ours succeeded but its answer was lost; take its revision. Returns true if it did.
     */
    private synchronized boolean adoptLostAck() {
        try {
            KeyValueEntry e = service.kv().get(key);
            if (e != null && e.getOperation() == KeyValueOperation.PUT && e.getRevision() != revision
                    && LockStore.parseHolder(e.getValue()).map(h -> h.getLeaseId().equals(holder.getLeaseId()))
                    .orElse(false)) {
                revision = e.getRevision();
                return true;
            }
        } catch (IOException | JetStreamApiException e) {
            // fall through: treat as not ours
        }
        return false;
    }

    private boolean heldByNobody() {
        try {
            KeyValueEntry e = service.kv().get(key);
            return e == null || e.getOperation() != KeyValueOperation.PUT;
        } catch (IOException | JetStreamApiException e) {
            return false;
        }
    }

    // listeners is a CopyOnWriteArrayList: the loop reads a snapshot, and remove() makes each run once.
    @SuppressWarnings("ModifyCollectionInEnhancedForLoop")
    private LeaseLostException markLost(String why) {
        LeaseLostException ex;
        synchronized (this) {
            if (status != Status.HELD) {
                return lostCause != null ? lostCause : new LeaseLostException(name, why);
            }
            ex = new LeaseLostException(name, why);
            lostCause = ex;
            status = Status.LOST;
            cancelTimers();
        }
        service.forget(this);
        log.atWarn().addKeyValue("lock", name).addKeyValue("bucket", service.bucket()).addKeyValue("token", token)
                .addKeyValue("reason", why).log("lease lost");
        for (Consumer<LeaseLostException> l : listeners) {
            if (listeners.remove(l)) {
                try {
                    l.accept(ex);
                } catch (RuntimeException e) {
                    log.atWarn().addKeyValue("lock", name).addKeyValue("error", e.toString())
                            .log("lease-lost listener failed");
                }
            }
        }
        return ex;
    }

    private void cancelTimers() {
        if (renewal != null) {
            renewal.cancel(false);
        }
        if (watchdog != null) {
            watchdog.cancel(false);
        }
    }
}
