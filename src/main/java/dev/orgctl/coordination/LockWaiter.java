package dev.orgctl.coordination;

import dev.orgctl.nats.Backoff;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.proto.LockHolder;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatchOption;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acquiring with a wait: watch the key (a release wakes a waiter at once; the watcher is shared by
 * this service's waiters and kept a while for the next wait), otherwise sleep until the holder's
 * lease would end, at most {@link LockService.Settings#maxNap} at a time. Every retry after a lost
 * race is delayed by a random jitter that grows with the losses, so waiters do not stampede.
 */
final class LockWaiter {
    private static final Logger log = LoggerFactory.getLogger(LockWaiter.class);
    /** How long an unused key watcher is kept for the next wait on the same lock. */
    static final Duration WATCH_IDLE = Duration.ofSeconds(30);
    /** The jitter's bound after the first lost race: up to 0.5 ms, doubling, at most the settings' jitter. */
    private static final Duration FIRST_JITTER = Duration.ofNanos(500_000);

    /** Turns a create the store confirmed into a holding. */
    interface Adopter {
        Lease adopt(String name, String key, LockHolder holder, LockStore.Taken taken);
    }

    private final LockStore store;
    private final KeyValue kv;
    private final LockService.Settings settings;
    private final Duration ttl;
    private final ScheduledExecutorService scheduler;
    /** Null when the settings ask for no jitter. */
    private final Backoff jitter;
    private final Map<String, KeyWatch> watches = new HashMap<>();
    private boolean sweeping;

    LockWaiter(LockStore store, LockService.Settings settings, Duration ttl, ScheduledExecutorService scheduler) {
        this.store = store;
        this.kv = store.kv();
        this.settings = settings;
        this.ttl = ttl;
        this.scheduler = scheduler;
        Duration most = settings.jitter();
        this.jitter = most.isZero() || most.isNegative() ? null
                : new Backoff(most.compareTo(FIRST_JITTER) < 0 ? most : FIRST_JITTER, most, 1);
    }

    /** @return empty when the lock was still held when {@code maxWait} ran out */
    Optional<Lease> acquire(String name, String key, LockHolder holder, Duration maxWait, Adopter adopter)
            throws InterruptedException {
        LockStore.Attempt attempt = store.tryCreate(name, key, holder, 0);
        if (attempt instanceof LockStore.Taken || maxWait.isZero() || maxWait.isNegative()) {
            return taken(name, key, holder, attempt, adopter);
        }
        long deadline = System.nanoTime() + maxWait.toNanos();
        Opened opened = openWatch(key);
        KeyWatch watch = opened.watch();
        int losses = 0;
        try {
            long seen = watch.version();
            if (opened.created()) {
                // A new watcher misses a release that happened before it started: look once more.
                attempt = store.tryCreate(name, key, holder, 0);
            }
            while (attempt instanceof LockStore.Held held) {
                // Held: sleep until the holder's lease would end, or until the watcher reports news.
                long now = System.nanoTime();
                long wakeAt = Math.min(deadline, now + settings.maxNap().toNanos());
                if (held.lastWrite() != null) {
                    wakeAt = Math.min(wakeAt, now + Math.max(0, untilExpiry(held.lastWrite())));
                } else {
                    wakeAt = now; // gone between our write and our look: try again now
                }
                long hint = 0;
                // News the (shared) watcher got after our look but before we started waiting.
                KeyValueEntry e = watch.newerThan(held.revision());
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
                    return taken(name, key, holder, store.tryCreate(name, key, holder, hint), adopter);
                }
                if (losses > 0 && jitter != null) {
                    TimeUnit.NANOSECONDS.sleep(jitter.delay(losses).toNanos());
                }
                attempt = store.tryCreate(name, key, holder, hint);
                losses++;
            }
            return taken(name, key, holder, attempt, adopter);
        } finally {
            closeWatch(watch);
        }
    }

    private static Optional<Lease> taken(String name, String key, LockHolder holder, LockStore.Attempt attempt,
                                         Adopter adopter) {
        return attempt instanceof LockStore.Taken t ? Optional.of(adopter.adopt(name, key, holder, t)) : Optional.empty();
    }

    private long untilExpiry(Instant lastWrite) {
        return Duration.between(Instant.now(), lastWrite.plus(ttl)).toNanos();
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

    /** Stops every watcher (the service is closing). */
    void close() {
        synchronized (watches) {
            watches.values().forEach(LockWaiter::unsubscribe);
            watches.clear();
        }
    }

    private static void unsubscribe(KeyWatch w) {
        try {
            w.sub.unsubscribe();
        } catch (RuntimeException e) {
            log.atDebug().addKeyValue("key", w.key).addKeyValue("error", e.toString()).log("watch unsubscribe failed");
        }
    }
}
