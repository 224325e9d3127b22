package dev.orgctl.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final Duration MS = Duration.ofMillis(1);

    @Test
    void withoutJitterTheDelaysDoubleFromTheInitialOneUpToTheMaximum() {
        Backoff b = Backoff.exact(Duration.ofMillis(100), Duration.ofMillis(1000));
        assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(b.delay(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(b.delay(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(b.delay(4)).isEqualTo(Duration.ofMillis(800));
        assertThat(b.delay(5)).isEqualTo(Duration.ofMillis(1000));
        assertThat(b.delay(50)).isEqualTo(Duration.ofMillis(1000));
    }

    @Test
    void zeroOrNegativeFailuresWaitTheInitialDelay() {
        Backoff b = Backoff.exact(MS, Duration.ofSeconds(1));
        assertThat(b.delay(0)).isEqualTo(MS);
        assertThat(b.delay(-3)).isEqualTo(MS);
    }

    @Test
    void hugeFailureCountsAndHugeDurationsDoNotOverflow() {
        Backoff b = Backoff.exact(Duration.ofDays(1), Duration.ofDays(365 * 200));
        for (int failures : new int[] {30, 40, 62, 63, 64, 1000, Integer.MAX_VALUE}) {
            assertThat(b.ceiling(failures)).as("failures %d", failures).isPositive()
                    .isLessThanOrEqualTo(Duration.ofDays(365 * 200));
        }
        assertThat(b.ceiling(Integer.MAX_VALUE)).isEqualTo(Duration.ofDays(365 * 200));
        Backoff tiny = Backoff.exact(Duration.ofNanos(1), Duration.ofNanos(Long.MAX_VALUE));
        assertThat(tiny.ceiling(62)).isEqualTo(Duration.ofNanos(1L << 61));
        assertThat(tiny.ceiling(63)).as("a shift that would overflow gives the maximum")
                .isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
    }

    @Test
    void jitterOnlyShortensAndStaysWithinItsFraction() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 0.5);
        RandomGenerator random = new SplittableRandom(42);
        Set<Duration> seen = new HashSet<>();
        for (int failures = 1; failures <= 10; failures++) {
            Duration ceiling = b.ceiling(failures);
            for (int i = 0; i < 200; i++) {
                Duration d = b.delay(failures, random);
                assertThat(d).isLessThanOrEqualTo(ceiling).isGreaterThanOrEqualTo(ceiling.dividedBy(2));
                seen.add(d);
            }
        }
        assertThat(seen).as("the delays really vary").hasSizeGreaterThan(100);
    }

    @Test
    void fullJitterReachesFromZeroToTheCeiling() {
        Backoff b = new Backoff(Duration.ofNanos(8), Duration.ofNanos(8), 1);
        RandomGenerator random = new SplittableRandom(7);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            seen.add(b.delay(1, random).toNanos());
        }
        assertThat(seen).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    }

    @Test
    void jitterZeroIsExactWhateverTheRandomSource() {
        Backoff b = new Backoff(Duration.ofMillis(3), Duration.ofMillis(50), 0);
        assertThat(b.delay(3, new SplittableRandom(1))).isEqualTo(Duration.ofMillis(12));
        assertThat(b.delay(3, new SplittableRandom(2))).isEqualTo(Duration.ofMillis(12));
        assertThat(b).isEqualTo(Backoff.exact(Duration.ofMillis(3), Duration.ofMillis(50)));
    }

    @Test
    void nonsenseIsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> Backoff.exact(Duration.ZERO, MS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("initial delay must be positive");
        assertThatThrownBy(() -> Backoff.exact(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("below its initial delay");
        assertThatThrownBy(() -> new Backoff(MS, MS, 1.5)).hasMessageContaining("jitter must be within [0, 1]");
        assertThatThrownBy(() -> new Backoff(MS, MS, Double.NaN)).hasMessageContaining("jitter must be within [0, 1]");
    }
}
