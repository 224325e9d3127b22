package dev.orgctl.hosts.github;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** The content-creation ceiling for one process (no NATS, or a single replica). */
public final class LocalWriteBudget implements WriteBudget {
    private final ContentCeiling ceiling;
    private final Clock clock;
    private final RateListener listener;
    private long[] spends = new long[0];

    public LocalWriteBudget(ContentCeiling ceiling, Clock clock, RateListener listener) {
        this.ceiling = ceiling;
        this.clock = clock;
        this.listener = listener;
    }

    @Override
    public Duration acquire() throws InterruptedException {
        long started = clock.millis();
        while (true) {
            long wait;
            synchronized (this) {
                long now = clock.millis();
                wait = ceiling.waitMillis(spends, now);
                if (wait <= 0) {
                    spends = ceiling.spend(spends, now);
                    return Duration.ofMillis(now - started);
                }
                listener.paused("content-creation ceiling", Instant.ofEpochMilli(now + wait));
            }
            Thread.sleep(wait);
        }
    }
}
