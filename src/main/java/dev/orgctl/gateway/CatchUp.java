package dev.orgctl.gateway;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * When the delivery index may be trusted, by one rule: a repeat that JetStream's duplicate window
 * no longer catches must find its first copy in the index.
 *
 * <p>A <em>proof</em> is taken by a probe: at local time {@code t0} (before asking) the server
 * reported its last stream sequence {@code L} (or a consumer with nothing pending after sequence
 * {@code L}). Every message stored before {@code t0} then has a sequence of at most {@code L}, so
 * once the index has read up to {@code L} it holds every message stored before {@code t0}:
 * the index is <em>complete as of</em> {@code t0}. Only the local monotonic clock is used.
 *
 * <p>A delivery whose first copy was stored at {@code s} and is missing from an index complete as
 * of {@code c} has {@code s > c}. The gateway publishes only while {@code now - c <= maxLag}, and
 * a publish is stored within {@code natsTimeout} of the check or not at all (it is then answered
 * 503), so the repeat reaches JetStream less than {@code maxLag + natsTimeout} after the first
 * copy: inside JetStream's window when {@code maxLag + natsTimeout < window}.
 */
final class CatchUp {
    private volatile long maxLagNanos;
    /** Proofs still waiting for the index to read up to their sequence, oldest first. */
    private static final int MAX_WAITING = 64;

    private final ArrayDeque<long[]> waiting = new ArrayDeque<>();
    /** Local nanoTime as of which the index is complete; MIN_VALUE before the first proof. */
    private long completeAsOf = Long.MIN_VALUE;
    private long indexedSeq;

    CatchUp(Duration maxLag) {
        this.maxLagNanos = maxLag.toNanos();
    }

    /**
     * The largest lag that keeps the rule with a margin: half of JetStream's window less one
     * JetStream call, and never under a quarter of the window.
     */
    static Duration maxLag(Duration duplicateWindow, Duration natsTimeout) {
        Duration half = duplicateWindow.dividedBy(2).minus(natsTimeout);
        Duration quarter = duplicateWindow.dividedBy(4);
        return half.compareTo(quarter) > 0 ? half : quarter;
    }

    /** A probe's result: at {@code t0} nothing beyond {@code lastSeq} was stored. */
    synchronized void proof(long t0, long lastSeq) {
        // Under steady traffic each proof's sequence is a little ahead of the index; older proofs are
        // kept until it passes them, so that completeness keeps moving instead of chasing the newest.
        if (waiting.size() < MAX_WAITING) {
            waiting.addLast(new long[] {t0, lastSeq});
        }
        settle();
    }

    /** The index has read every message up to {@code seq}. */
    synchronized void indexed(long seq) {
        if (seq > indexedSeq) {
            indexedSeq = seq;
            settle();
        }
    }

    private void settle() {
        while (!waiting.isEmpty() && waiting.peekFirst()[1] <= indexedSeq) {
            long t0 = waiting.pollFirst()[0];
            if (completeAsOf == Long.MIN_VALUE || t0 - completeAsOf > 0) {
                completeAsOf = t0;
            }
        }
    }

    /** Whether a delivery checked at {@code now} may be published on the index's word. */
    synchronized boolean current(long now) {
        return completeAsOf != Long.MIN_VALUE && now - completeAsOf <= maxLagNanos;
    }

    /** How far behind the index is at {@code now}; null before its first proof. */
    synchronized Duration lag(long now) {
        return completeAsOf == Long.MIN_VALUE ? null : Duration.ofNanos(Math.max(0, now - completeAsOf));
    }

    Duration maxLag() {
        return Duration.ofNanos(maxLagNanos);
    }

    /** JetStream's window was changed (an operator updated the stream): the rule follows it. */
    void maxLag(Duration maxLag) {
        this.maxLagNanos = maxLag.toNanos();
    }
}
