package dev.orgctl.hosts.github;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContentCeilingTest {
    private final ContentCeiling ceiling = new ContentCeiling(List.of(
            new ContentCeiling.Window(Duration.ofSeconds(1), 3), new ContentCeiling.Window(Duration.ofSeconds(10), 5)),
            Duration.ZERO);

    @Test
    void aFullWindowWaitsForItsOldestSpendToLeave() {
        assertThat(ceiling.waitMillis(new long[0], 0)).isZero();
        long[] three = {0, 100, 200};
        assertThat(ceiling.waitMillis(three, 300)).isEqualTo(701);
        assertThat(ceiling.waitMillis(three, 1001)).isZero();
    }

    @Test
    void theLongWindowBindsWhenTheShortOneHasRoom() {
        long[] five = {0, 100, 200, 1100, 1200};
        assertThat(ceiling.waitMillis(five, 1300)).isEqualTo(10_000 - 1300 + 1);
        assertThat(ceiling.waitMillis(five, 10_001)).isZero();
    }

    @Test
    void spendingKeepsOnlyWhatAWindowCanStillSeeSortedAcrossSkewedClocks() {
        long[] log = {};
        for (long t : new long[] {0, 50, 100, 150, 200, 250}) {
            log = ceiling.spend(log, t);
        }
        assertThat(log).containsExactly(50, 100, 150, 200, 250); // memory is the largest allowance, 5
        assertThat(ceiling.spend(log, 240)).containsExactly(100, 150, 200, 240, 250);
        assertThat(ceiling.spend(new long[] {0, 1}, 20_000)).containsExactly(20_000); // past every window
    }

    @Test
    void theMarginLengthensEveryWindow() {
        ContentCeiling withMargin = new ContentCeiling(List.of(new ContentCeiling.Window(Duration.ofSeconds(1), 1)),
                Duration.ofMillis(200));
        assertThat(withMargin.waitMillis(new long[] {0}, 1000)).isEqualTo(201);
    }

    @Test
    void githubsCeilingIs80AMinuteAnd500AnHour() {
        assertThat(ContentCeiling.github().windows()).containsExactly(
                new ContentCeiling.Window(Duration.ofMinutes(1), 80), new ContentCeiling.Window(Duration.ofHours(1), 500));
    }

    @Test
    void theSharedLogRoundTripsThroughItsKvEncoding() {
        long[] log = {1_790_000_000_000L, 1_790_000_000_007L, 1_790_000_060_000L};
        assertThat(NatsWriteBudget.decode(NatsWriteBudget.encode(log))).containsExactly(log);
        assertThat(NatsWriteBudget.decode(new byte[0])).isEmpty();
    }
}
