package dev.orgctl.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway's HTTP capacity settings, each as a flag, an environment variable and an orgctl.yaml key. */
class HttpCapacityConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsLeaveTheBudgetToTheHeap() {
        HttpCapacity c = ConfigResolver.resolve(Map.of(), Map.of(), Optional.empty()).httpCapacity();
        assertThat(c).isEqualTo(HttpCapacity.DEFAULTS);
        assertThat(c.bodyBudgetBytes()).isEmpty();
    }

    @Test
    void flagEnvironmentAndFileAreRead() throws Exception {
        Path file = dir.resolve("orgctl.yaml");
        Files.writeString(file, "gateway:\n  body_budget: 1GiB\n  max_connections_per_address: 50\n");
        HttpCapacity fromFile = ConfigResolver.resolve(Map.of(), Map.of(), Optional.of(file)).httpCapacity();
        assertThat(fromFile.bodyBudgetBytes()).contains(1024L * 1024 * 1024);
        assertThat(fromFile.maxConnectionsPerAddress()).isEqualTo(50);
        HttpCapacity fromEnv = ConfigResolver.resolve(Map.of(), Map.of("ORGCTL_HTTP_BODY_BUDGET", "256MiB",
                "ORGCTL_HTTP_MAX_CONNECTIONS", "2000"), Optional.of(file)).httpCapacity();
        assertThat(fromEnv.bodyBudgetBytes()).contains(256L * 1024 * 1024);
        assertThat(fromEnv.maxConnections()).isEqualTo(2000);
        HttpCapacity fromFlag = ConfigResolver.resolve(Map.of(Setting.HTTP_MAX_CONNECTIONS_PER_ADDRESS, "7"),
                Map.of(), Optional.of(file)).httpCapacity();
        assertThat(fromFlag.maxConnectionsPerAddress()).isEqualTo(7);
        assertThat(ConfigExport.toEnvironment(ConfigResolver.resolve(Map.of(), Map.of(), Optional.of(file))))
                .containsEntry("ORGCTL_HTTP_BODY_BUDGET", Long.toString(1024L * 1024 * 1024))
                .containsEntry("ORGCTL_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "50");
    }

    @Test
    void badValuesAreOneLineErrors() {
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(), Map.of("ORGCTL_HTTP_BODY_BUDGET", "lots"),
                Optional.empty())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ORGCTL_HTTP_BODY_BUDGET").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(), Map.of("ORGCTL_HTTP_BODY_BUDGET", "12"),
                Optional.empty())).isInstanceOf(ConfigException.class).hasMessageContaining("at least 1KiB");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(), Map.of("ORGCTL_HTTP_MAX_CONNECTIONS", "0"),
                Optional.empty())).isInstanceOf(ConfigException.class).hasMessageContaining("ORGCTL_HTTP_MAX_CONNECTIONS");
    }
}
