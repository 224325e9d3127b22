package dev.orgctl.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code tfstate:} section of the service's orgctl.yaml. */
class TfstateConfigTest {
    @TempDir
    Path dir;

    @Test
    void theSectionsSettingsAreReadAndThePolicyIsLeftToItsReader() throws IOException {
        Path yaml = Files.writeString(dir.resolve("orgctl.yaml"), """
                tfstate:
                  versions: 10
                  max_hold: 45m
                  policy:
                    - repository: acme/infra
                      states: 'prod/*'
                      access: write
                """);
        TfstateTuning t = ConfigResolver.resolve(Map.of(), Map.of(), Optional.of(yaml)).tfstate();
        assertThat(t.versions()).isEqualTo(10);
        assertThat(t.maxHold()).isEqualTo(Duration.ofMinutes(45));
        assertThat(t.maxBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(t.maxInflight()).isEqualTo(4);
        assertThat(t.keyFile()).isEmpty();
    }

    @Test
    void aMisspeltKeyInTheSectionIsAnError() throws IOException {
        Path yaml = Files.writeString(dir.resolve("orgctl.yaml"), "tfstate:\n  version: 10\n");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(), Map.of(), Optional.of(yaml)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'tfstate.version'");
    }

    @Test
    void aKeyFileThatIsNotThereIsNamed() throws IOException {
        Path yaml = Files.writeString(dir.resolve("orgctl.yaml"), "tfstate:\n  key_file: /nonexistent/keys\n");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(), Map.of(), Optional.of(yaml)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tfstate.key_file");
    }
}
