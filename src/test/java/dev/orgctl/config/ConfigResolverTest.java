package dev.orgctl.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigResolverTest {
    @TempDir
    Path dir;

    private static OrgctlConfig resolve(Map<Setting, String> flags, Map<String, String> env, Path file) {
        return ConfigResolver.resolve(flags, env, Optional.ofNullable(file));
    }

    @Test
    void defaultsWhenNothingIsGiven() {
        OrgctlConfig c = resolve(Map.of(), Map.of(), null);
        assertThat(c.nats().embedded()).isTrue();
        assertThat(c.httpAddr()).isEqualTo(new HostPort("127.0.0.1", 8080));
        assertThat(c.backend()).isEqualTo(Backend.GIT);
        assertThat(c.dedupWindow()).isEqualTo(Duration.ofDays(7));
        assertThat(c.nats().replicas()).isEqualTo(1);
        assertThat(c.github().apiUrl().toString()).isEqualTo("https://api.github.com");
    }

    @Test
    void flagBeatsEnvironmentBeatsFileBeatsDefault() throws Exception {
        Path file = dir.resolve("orgctl.yaml");
        Files.writeString(file, """
                http_addr: 127.0.0.1:7001
                nats:
                  url: nats://file:4222
                  replicas: 3
                github:
                  org: from-file
                """);
        OrgctlConfig fileOnly = resolve(Map.of(), Map.of(), file);
        assertThat(fileOnly.httpAddr().port()).isEqualTo(7001);
        assertThat(fileOnly.nats().urls()).containsExactly("nats://file:4222");
        assertThat(fileOnly.nats().replicas()).isEqualTo(3);

        OrgctlConfig envWins = resolve(Map.of(), Map.of("ORGCTL_HTTP_ADDR", "127.0.0.1:7002", "GITHUB_ORG", "from-env"), file);
        assertThat(envWins.httpAddr().port()).isEqualTo(7002);
        assertThat(envWins.github().org()).contains("from-env");
        assertThat(envWins.nats().replicas()).isEqualTo(3);

        OrgctlConfig flagWins = resolve(Map.of(Setting.HTTP_ADDR, "127.0.0.1:7003"),
                Map.of("ORGCTL_HTTP_ADDR", "127.0.0.1:7002"), file);
        assertThat(flagWins.httpAddr().port()).isEqualTo(7003);
    }

    @Test
    void severalNatsUrlsAndBareHostPorts() {
        OrgctlConfig c = resolve(Map.of(), Map.of("NATS_URL", "nats://a:4222, b:4223,tls://c:4443"), null);
        assertThat(c.nats().urls()).containsExactly("nats://a:4222", "nats://b:4223", "tls://c:4443");
        assertThat(c.nats().tls()).isTrue();
    }

    @Test
    void yamlListsAreAccepted() throws Exception {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, "nats:\n  url:\n    - nats://a:1\n    - nats://b:2\n");
        assertThat(resolve(Map.of(), Map.of(), file).nats().urls()).containsExactly("nats://a:1", "nats://b:2");
    }

    @Test
    void wrongValuesNameTheSettingAndWhatIsAllowed() {
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("ORGCTL_BACKEND", "svn"), null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ORGCTL_BACKEND").hasMessageContaining("'svn'").hasMessageContaining("github or git");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("ORGCTL_NATS_REPLICAS", "7"), null))
                .hasMessageContaining("ORGCTL_NATS_REPLICAS").hasMessageContaining("1 to 5");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("ORGCTL_HTTP_ADDR", "8080"), null))
                .hasMessageContaining("ORGCTL_HTTP_ADDR").hasMessageContaining("host:port");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("ORGCTL_DEDUP_WINDOW", "soon"), null))
                .hasMessageContaining("ORGCTL_DEDUP_WINDOW").hasMessageContaining("unit");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("NATS_URL", "http://x:1"), null))
                .hasMessageContaining("NATS_URL").hasMessageContaining("nats://host:port");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("NATS_CREDS_FILE", dir.resolve("missing.creds").toString()), null))
                .hasMessageContaining("NATS_CREDS_FILE").hasMessageContaining("readable file");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("GITHUB_ORG", "bad org!"), null))
                .hasMessageContaining("GITHUB_ORG");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("ORGCTL_LOG_FORMAT", "xml"), null))
                .hasMessageContaining("text or json");
    }

    @Test
    void gitHubWriteBudgetIsGitHubComsByDefaultOffOrCustom() {
        assertThat(resolve(Map.of(), Map.of(), null).github().writeBudget()).hasToString("80/1m,500/1h");
        assertThat(resolve(Map.of(), Map.of("ORGCTL_GITHUB_WRITE_BUDGET", "OFF"), null).github().writeBudget().isOff())
                .isTrue();
        GitHubWriteBudget custom = resolve(Map.of(Setting.GITHUB_WRITE_BUDGET, "5/min, 5000/2h"),
                Map.of("ORGCTL_GITHUB_WRITE_BUDGET", "off"), null).github().writeBudget();
        assertThat(custom.limits()).containsExactly(new GitHubWriteBudget.Limit(5, Duration.ofMinutes(1)),
                new GitHubWriteBudget.Limit(5000, Duration.ofHours(2)));
        assertThat(GitHubWriteBudget.parse(custom.toString())).isEqualTo(custom);
        for (String bad : new String[] {"unlimited", "80", "0/min", "80/0s", "80/min,", "80/fortnight", "-1/h"}) {
            assertThatThrownBy(() -> resolve(Map.of(), Map.of("ORGCTL_GITHUB_WRITE_BUDGET", bad), null))
                    .as(bad).isInstanceOf(ConfigException.class)
                    .hasMessage("ORGCTL_GITHUB_WRITE_BUDGET (--github-write-budget, github.write_budget in orgctl.yaml): '"
                            + bad + "' is not a write budget; expected off, or writes per window comma-separated such as "
                            + "80/min,500/h (github.com) or 5000/1h (windows in s, min, h or d)");
        }
    }

    @Test
    void conflictingAuthenticationIsRefused() {
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("NATS_TOKEN", "t", "NATS_USER", "u", "NATS_PASSWORD", "p"), null))
                .hasMessageContaining("ambiguous");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("NATS_USER", "u"), null))
                .hasMessageContaining("NATS_PASSWORD");
    }

    @Test
    void secretsNeverAppearInErrorsOrToString() {
        String secret = "s3cr3t-value-xyz";
        OrgctlConfig c = resolve(Map.of(), Map.of("GITHUB_WEBHOOK_SECRET", secret + ",old-" + secret,
                "GITHUB_TOKEN", secret, "NATS_TOKEN", secret), null);
        assertThat(c.toString()).doesNotContain(secret);
        assertThat(c.webhookSecrets().secrets()).hasSize(2);
        assertThat(c.webhookSecrets().signing().revealAsString()).isEqualTo(secret);
        // A URL's password is redacted in errors.
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("NATS_URL", "http://user:" + secret + "@x:1"), null))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret));
    }

    @Test
    void brokenConfigFileIsOneClearLine() throws Exception {
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "nats:\n  url: [unclosed\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), broken))
                .isInstanceOf(ConfigException.class).hasMessageContaining(broken.toString()).hasMessageContaining("YAML");
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, "nats:\n  ur1: nats://x:4222\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), typo))
                .hasMessageContaining("unknown key 'nats.ur1'").hasMessageContaining("nats.url");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), dir.resolve("absent.yaml")))
                .hasMessageContaining("does not exist");
    }

    @Test
    void sectionsOfOtherReadersAreIgnored() throws Exception {
        Path file = dir.resolve("shared.yaml");
        Files.writeString(file, "sets:\n  ci:\n    targets: ['*']\nbackend: github\n");
        assertThat(resolve(Map.of(), Map.of(), file).backend()).isEqualTo(Backend.GITHUB);
    }

    @Test
    void durationsParseAndFormat() {
        assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("PT2H")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.format(Duration.ofHours(36))).isEqualTo("36h");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThatThrownBy(() -> Durations.parse("1 week")).isInstanceOf(IllegalArgumentException.class);
    }
}
