package dev.orgctl.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock a test moves forward by hand instead of sleeping. {@link #system()} runs with real time
 * plus what was skipped, for code that compares its clock with times a real peer hands out (a
 * token's {@code expires_at} from the GitHub fake); {@link #fixedAt} stands still between skips.
 */
public final class SkippingClock extends Clock {
    private final Clock base;
    private volatile Duration skipped = Duration.ZERO;

    private SkippingClock(Clock base) {
        this.base = base;
    }

    public static SkippingClock system() {
        return new SkippingClock(Clock.systemUTC());
    }

    public static SkippingClock fixedAt(Instant start) {
        return new SkippingClock(Clock.fixed(start, ZoneOffset.UTC));
    }

    /** From now on the clock reads {@code by} later than before. */
    public void skip(Duration by) {
        skipped = skipped.plus(by);
    }

    @Override
    public Instant instant() {
        return base.instant().plus(skipped);
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
