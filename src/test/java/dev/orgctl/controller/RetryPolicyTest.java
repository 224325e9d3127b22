package dev.orgctl.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.config.ConfigException;
import dev.orgctl.config.ConfigExport;
import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.config.RetrySettings;
import dev.orgctl.config.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void theFileAndFlagsSetItTooAndChildProcessesInheritIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("orgctl.yaml");
        Files.writeString(file, "controller:\n  retry:\n    max_attempts: 8\n    initial: 1s\n    jitter: 0.25\n");
        OrgctlConfig fromFile = ConfigResolver.resolve(Map.of(Setting.RETRY_MAX, "30s"), Map.of(), Optional.of(file));
        assertThat(fromFile.retry()).isEqualTo(new RetrySettings(8, Duration.ofSeconds(1), Duration.ofSeconds(30), 0.25));
        Map<String, String> exported = ConfigExport.toEnvironment(fromFile);
        assertThat(ConfigResolver.resolve(Map.of(), exported, Optional.empty()).retry()).isEqualTo(fromFile.retry());
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
