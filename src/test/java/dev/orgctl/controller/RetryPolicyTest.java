package dev.orgctl.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.config.ConfigException;
import dev.orgctl.config.ConfigResolver;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The retry policy: today's delays by default, and configurable as env, flag or orgctl.yaml key. */
class RetryPolicyTest {
    private static RetryPolicy configured(Map<String, String> env) {
        return RetryPolicy.from(ConfigResolver.resolve(Map.of(), env, Optional.empty()).retry());
    }

    @Test
    void theDefaultsAreTheDelaysBeforeTheRedesign() {
        RetryPolicy p = configured(Map.of());
        assertThat(p).isEqualTo(RetryPolicy.defaults());
        assertThat(IntStream.rangeClosed(1, 7).mapToObj(p::delay).map(Duration::toSeconds))
                .containsExactly(2L, 4L, 8L, 16L, 32L, 60L, 60L);
        assertThat(p.spent(4)).isFalse();
        assertThat(p.spent(5)).isTrue();
    }

    @Test
    void theEnvironmentSetsAttemptsBackoffAndJitter() {
        RetryPolicy p = configured(Map.of("ORGCTL_RETRY_MAX_ATTEMPTS", "3", "ORGCTL_RETRY_INITIAL", "100ms",
                "ORGCTL_RETRY_MAX", "1s", "ORGCTL_RETRY_JITTER", "0.5"));
        assertThat(p.maxAttempts()).isEqualTo(3);
        assertThat(p.backoff().ceiling(5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.delay(1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    }

    @Test
    void badValuesAreOneLineErrorsNamingTheSetting() {
        assertThatThrownBy(() -> configured(Map.of("ORGCTL_RETRY_JITTER", "2")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ORGCTL_RETRY_JITTER")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> configured(Map.of("ORGCTL_RETRY_INITIAL", "2m", "ORGCTL_RETRY_MAX", "1m")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ORGCTL_RETRY_MAX");
        assertThatThrownBy(() -> configured(Map.of("ORGCTL_RETRY_MAX_ATTEMPTS", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--retry-max-attempts");
    }
}
