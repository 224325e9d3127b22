package dev.orgctl.nats;

import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The one compare-and-set update loop for a KV key: read the entry, decide the next value from the
 * current one (or its absence) with a function free of side effects on the key, then write it only if
 * nobody wrote in between (create-if-absent, or update at the revision read). A lost race
 * ({@link JetStreamErrors#isConflict}) waits a jittered {@link Backoff} and decides again on the
 * fresh value, at most {@code maxAttempts} times; any other refusal or a transport failure is thrown
 * to the caller, who knows what it means.
 *
 * <p>Locks do not use this loop: taking a lock is a single create whose revision is a fencing token,
 * and losing that race means "held", not "try again" ({@code coordination.LockStore}).
 */
public final class KvCas {
    /**
     * Waits between lost races: up to 0.2 ms after the first, doubling to at most 12.8 ms, the whole
     * wait random so that writers that collided once do not collide again.
     */
    public static final Backoff CONTENTION = new Backoff(Duration.ofNanos(200_000), Duration.ofNanos(12_800_000), 1);

    private final KeyValue kv;
    private final int maxAttempts;
    private final Backoff backoff;

    public KvCas(KeyValue kv, int maxAttempts, Backoff backoff) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("compare-and-set needs at least one attempt, not " + maxAttempts);
        }
        this.kv = kv;
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
    }

    /**
     * The key's value as read. Absent (revision 0, value null) when the key never existed, was
     * deleted or purged, or its entry ran out.
     */
    @SuppressWarnings("ArrayRecordComponent") // a value read or written: compare its bytes, not the record
    public record Current(byte[] value, long revision) {
        static final Current ABSENT = new Current(null, 0);

        public boolean absent() {
            return revision == 0;
        }
    }

    /** What the deciding function wants done with the current value. */
    public sealed interface Decision<R> {
        R result();

        /** Write {@code value} (if the key is still as read) and report {@code result}. */
        @SuppressWarnings("ArrayRecordComponent") // a value read or written: compare its bytes, not the record
        record Put<R>(byte[] value, R result) implements Decision<R> {
        }

        /** Leave the key alone and report {@code result}. */
        record Keep<R>(R result) implements Decision<R> {
        }

        static <R> Decision<R> put(byte[] value, R result) {
            return new Put<>(value, result);
        }

        static <R> Decision<R> keep(R result) {
            return new Keep<>(result);
        }
    }

    /** How an update ended. {@code conflicts}: races lost on the way. */
    public sealed interface Outcome<R> {
        int conflicts();

        /** The decision's value was written; {@code revision} is the new one. */
        record Written<R>(R result, long revision, int conflicts) implements Outcome<R> {
        }

        /** The decision was to keep the value read at {@code revision} (0: absent). */
        record Kept<R>(R result, long revision, int conflicts) implements Outcome<R> {
        }

        /** Every attempt lost its race: the key is contended beyond {@code maxAttempts}. */
        record Contended<R>(int conflicts) implements Outcome<R> {
        }
    }

    /**
     * Reads, decides and writes until a write lands, the decision is to keep, or the attempts run out.
     *
     * @param decide called once per attempt with the fresh value; it may throw to abort the update
     * @throws IOException          NATS did not answer (a write may or may not have landed)
     * @throws JetStreamApiException the server refused for a reason other than a lost race
     */
    public <R> Outcome<R> update(String key, Function<Current, Decision<R>> decide)
            throws IOException, JetStreamApiException, InterruptedException {
        int conflicts = 0;
        while (true) {
            Current cur = read(key);
            Decision<R> d = decide.apply(cur);
            if (d instanceof Decision.Keep<R> keep) {
                return new Outcome.Kept<>(keep.result(), cur.revision(), conflicts);
            }
            Decision.Put<R> put = (Decision.Put<R>) d;
            OptionalLong written = compareAndSet(kv, key, put.value(), cur.revision());
            if (written.isPresent()) {
                return new Outcome.Written<>(put.result(), written.getAsLong(), conflicts);
            }
            conflicts++;
            if (conflicts >= maxAttempts) {
                return new Outcome.Contended<>(conflicts);
            }
            TimeUnit.NANOSECONDS.sleep(backoff.delay(conflicts).toNanos());
        }
    }

    private Current read(String key) throws IOException, JetStreamApiException {
        KeyValueEntry e = kv.get(key); // null for a delete or purge marker too
        return e == null ? Current.ABSENT : new Current(e.getValue(), e.getRevision());
    }

    /**
     * One compare-and-set write: a create when {@code expectedRevision} is 0 (which also replaces a
     * delete or purge marker), else an update at that revision.
     *
     * @return the new revision, or empty when the key was not as expected (a lost race)
     */
    public static OptionalLong compareAndSet(KeyValue kv, String key, byte[] value, long expectedRevision)
            throws IOException, JetStreamApiException {
        try {
            return OptionalLong.of(expectedRevision == 0 ? kv.create(key, value) : kv.update(key, value, expectedRevision));
        } catch (JetStreamApiException e) {
            if (JetStreamErrors.isConflict(e)) {
                return OptionalLong.empty();
            }
            throw e;
        }
    }
}
