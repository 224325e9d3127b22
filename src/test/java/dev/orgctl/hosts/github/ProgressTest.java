package dev.orgctl.hosts.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.testing.SkippingClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void showsRateEtaAndWhyItWaits() {
        SkippingClock clock = SkippingClock.fixedAt(Instant.parse("2026-11-27T10:00:00Z"));
        StringWriter out = new StringWriter();
        Progress p = new Progress("regenerate", 100, new PrintWriter(out), clock, Duration.ofSeconds(5));
        for (int i = 0; i < 25; i++) {
            clock.skip(Duration.ofMillis(400));
            p.step();
        }
        // 25 in 10 s: 2.5/s, 75 left: 30 s.
        assertThat(p.line()).startsWith("regenerate  25/100  25%  2.5/s  ETA 30s");
        assertThat(out.toString().lines().count()).isEqualTo(2); // throttled: once per 5 s

        p.paused("content-creation ceiling", clock.instant().plusSeconds(95));
        assertThat(p.eta()).isEqualTo(Duration.ofSeconds(95)); // a pause longer than the rest dominates
        assertThat(p.line()).contains("ETA 1m35s", "(paused: content-creation ceiling, resumes");
        assertThat(out.toString()).contains("paused: content-creation ceiling");

        for (int i = 0; i < 75; i++) {
            clock.skip(Duration.ofSeconds(2));
            p.step();
        }
        assertThat(p.line()).contains("100/100  100%", "done in 2m40s").doesNotContain("paused");
        assertThat(Progress.format(Duration.ofMinutes(125))).isEqualTo("2h05m");
    }
}
