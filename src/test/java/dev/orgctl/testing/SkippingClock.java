package dev.orgctl.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system clock, moved forward on demand: for code that compares its clock with times a real
 * peer hands out (a token's {@code expires_at} from the GitHub fake), so a test skips the wait
 * instead of sleeping through it while the peer's own time stays real.
 */
public final class SkippingClock extends Clock {
    private volatile Duration skipped = Duration.ZERO;

    /** From now on the clock reads {@code by} later than before. */
    public void skip(Duration by) {
        skipped = skipped.plus(by);
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(skipped);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
