package dev.orgctl.gateway.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * One kind of warning, logged at most once per interval, however often it happens: a client or
 * a lack of descriptors can repeat a condition a million times a second, and the log must not
 * grow with it. The line that gets through says how many were left out since the last one.
 */
public final class RateLimitedLog {
    private final long intervalNanos;
    private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    public RateLimitedLog(long interval, TimeUnit unit) {
        this.intervalNanos = unit.toNanos(interval);
    }

    /** Calls {@code log} with the number left out since the last line, or counts this one as left out. */
    public void log(LongConsumer log) {
        long now = System.nanoTime();
        long n = next.get();
        if ((n == Long.MIN_VALUE || now - n >= 0) && next.compareAndSet(n, now + intervalNanos)) {
            log.accept(suppressed.getAndSet(0));
        } else {
            suppressed.incrementAndGet();
        }
    }
}
