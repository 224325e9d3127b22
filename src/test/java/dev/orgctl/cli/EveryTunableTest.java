package dev.orgctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.config.ConfigException;
import dev.orgctl.config.ConfigExport;
import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The README's promise, checked option by option: every flag of {@code orgctl up} and
 * {@code orgctl gateway} is a setting with an environment variable and an {@code orgctl.yaml} key,
 * and each of the three spellings takes effect the same way.
 */
class EveryTunableTest {
    /** Options that are not settings: help, version, the config file itself, the log level. */
    private static final List<String> NOT_SETTINGS = List.of("--help", "--version", "--config", "--verbose");
    /** Settings that are only valid with another one. */
    private static final Map<Setting, Setting> COMPANION = Map.of(
            Setting.NATS_USER, Setting.NATS_PASSWORD, Setting.NATS_PASSWORD, Setting.NATS_USER,
            Setting.NATS_TLS_CERT_FILE, Setting.NATS_TLS_KEY_FILE, Setting.NATS_TLS_KEY_FILE, Setting.NATS_TLS_CERT_FILE,
            Setting.GITHUB_APP_ID, Setting.GITHUB_APP_PRIVATE_KEY_FILE,
            Setting.GITHUB_APP_PRIVATE_KEY_FILE, Setting.GITHUB_APP_ID);

    @TempDir
    Path dir;
    private final Map<Setting, String> samples = new EnumMap<>(Setting.class);

    @BeforeEach
    void samples() throws IOException {
        Path file = Files.writeString(dir.resolve("some.pem"), "not read while resolving\n");
        for (Setting s : List.of(Setting.NATS_CREDS_FILE, Setting.NATS_NKEY_FILE, Setting.NATS_TLS_CA_FILE,
                Setting.NATS_TLS_CERT_FILE, Setting.NATS_TLS_KEY_FILE, Setting.GITHUB_APP_PRIVATE_KEY_FILE)) {
            samples.put(s, file.toString());
        }
        samples.put(Setting.NATS_URL, "nats://10.1.2.3:4333");
        samples.put(Setting.NATS_TOKEN, "t0ken-sample");
        samples.put(Setting.NATS_USER, "orgctl-user");
        samples.put(Setting.NATS_PASSWORD, "pa55-sample");
        samples.put(Setting.NATS_JETSTREAM_DOMAIN, "hub");
        samples.put(Setting.NATS_WAIT, "45s");
        samples.put(Setting.NATS_SERVER_BIN, Files.isExecutable(Path.of("/usr/sbin/nats-server"))
                ? "/usr/sbin/nats-server" : "/bin/sh");
        samples.put(Setting.NATS_REPLICAS, "3");
        samples.put(Setting.DATA_DIR, dir.resolve("data").toString());
        samples.put(Setting.HTTP_ADDR, "0.0.0.0:9191");
        samples.put(Setting.BACKEND, "github");
        samples.put(Setting.GIT_ROOT, dir.resolve("git").toString());
        samples.put(Setting.GITHUB_ORG, "acme");
        samples.put(Setting.GITHUB_API_URL, "https://ghe.example.com/api/v3");
        samples.put(Setting.GITHUB_TOKEN, "ghp_sample");
        samples.put(Setting.GITHUB_APP_ID, "42");
        samples.put(Setting.GITHUB_APP_INSTALLATION_ID, "7");
        samples.put(Setting.GITHUB_WEBHOOK_SECRET, "s3cret-a,s3cret-b");
        samples.put(Setting.GITHUB_WRITE_BUDGET, "off");
        samples.put(Setting.DEDUP_WINDOW, "3d");
        samples.put(Setting.HTTP_BODY_BUDGET, "64MiB");
        samples.put(Setting.HTTP_MAX_CONNECTIONS, "500");
        samples.put(Setting.HTTP_MAX_CONNECTIONS_PER_ADDRESS, "50");
        samples.put(Setting.LOG_FORMAT, "json");
        samples.put(Setting.APPLY_TOPOLOGY, "true");
        samples.put(Setting.INSECURE_NO_SIGNATURE, "true");
        samples.put(Setting.MAX_BODY, "1MiB");
        samples.put(Setting.NATS_TIMEOUT, "3s");
        samples.put(Setting.HTTP_THREADS, "8");
        samples.put(Setting.SHUTDOWN_GRACE, "40s");
        samples.put(Setting.WORKERS, "6");
        samples.put(Setting.RECONCILE_EVERY, "0");
        samples.put(Setting.MAX_DEPTH, "5");
        samples.put(Setting.BREAKER, "2/1h");
        samples.put(Setting.MAX_LOCK_FAILURES, "9");
        samples.put(Setting.WATCH_INTERVAL, "2s");
        samples.put(Setting.REPO_LOCK_WAIT, "1m");
        samples.put(Setting.SETTLE, "0");
        samples.put(Setting.MAX_SETTLE, "90s");
        samples.put(Setting.PREVIEW_COMMENT, "true");
        samples.put(Setting.GIT_CI, "false");
        samples.put(Setting.GIT_CI_TIMEOUT, "5m");
        samples.put(Setting.GIT_CI_PARALLEL, "4");
        samples.put(Setting.ROLLOUT_TICK, "250ms");
        samples.put(Setting.ROLLOUT_POLL, "2m");
        samples.put(Setting.RETRY_MAX_ATTEMPTS, "7");
        samples.put(Setting.RETRY_INITIAL, "3s");
        samples.put(Setting.RETRY_MAX, "2m");
        samples.put(Setting.RETRY_JITTER, "0.5");
        samples.put(Setting.COMMIT_AUTHOR, "Release Bot <bot@acme.example>");
        samples.put(Setting.TFSTATE_OIDC_ISSUER, "https://ghe.example.com/_services/token");
        samples.put(Setting.TFSTATE_OIDC_AUDIENCE, "terraform");
        samples.put(Setting.TFSTATE_VERSIONS, "7");
        samples.put(Setting.TFSTATE_MAX_BYTES, "8MiB");
        samples.put(Setting.TFSTATE_MAX_INFLIGHT, "2");
        samples.put(Setting.TFSTATE_MAX_HOLD, "30m");
        samples.put(Setting.TFSTATE_KEY_FILE, file.toString());
    }

    @Test
    void everyOptionOfUpAndGatewayIsAFlagAnEnvironmentVariableAndAFileKeyThatTakeEffect() throws IOException {
        for (String command : List.of("up", "gateway")) {
            CommandSpec spec = Main.commandLine().getSubcommands().get(command).getCommandSpec();
            List<String> checked = new ArrayList<>();
            for (OptionSpec o : spec.options()) {
                if (NOT_SETTINGS.contains(o.longestName())) {
                    continue;
                }
                Setting s = java.util.Arrays.stream(Setting.values()).filter(x -> x.flag().equals(o.longestName()))
                        .findFirst().orElse(null);
                assertThat(s).as("orgctl %s %s has no environment variable or orgctl.yaml key (config/Setting)",
                        command, o.longestName()).isNotNull();
                assertThat(o.description()[0]).as("help of %s", o.longestName()).contains(s.env()).contains(s.yamlKey());
                assertTakesEffect(command, s);
                checked.add(o.longestName());
            }
            assertThat(checked).as("orgctl %s options", command).contains("--http-addr", "--max-body", "--nats-timeout",
                    "--http-threads", "--shutdown-grace", "--insecure-no-signature", "--apply-topology");
            if (command.equals("up")) {
                assertThat(checked).contains("--workers", "--reconcile-every", "--max-depth", "--breaker",
                        "--max-lock-failures", "--watch-interval", "--repo-lock-wait", "--settle", "--max-settle", "--author",
                        "--git-ci", "--git-ci-timeout", "--git-ci-parallel", "--rollout-tick", "--rollout-poll");
            }
        }
    }

    @Test
    void commandsThatIgnoreASettingDoNotOfferItsFlag() {
        CommandLine cli = Main.commandLine();
        List<String> statusFlags = cli.getSubcommands().get("status").getCommandSpec().options().stream()
                .map(OptionSpec::longestName).toList();
        assertThat(statusFlags).contains("--nats-url", "--config").doesNotContain("--workers", "--max-body", "--author");
        List<String> applyFlags = cli.getSubcommands().get("regen").getSubcommands().get("apply").getCommandSpec()
                .options().stream().map(OptionSpec::longestName).toList();
        assertThat(applyFlags).contains("--author").doesNotContain("--workers");
    }

    @Test
    void aBadValueIsOneLineNamingTheSettingAndForTheFileItsLine() throws IOException {
        for (Setting s : List.of(Setting.WORKERS, Setting.BREAKER, Setting.MAX_BODY, Setting.NATS_TIMEOUT,
                Setting.COMMIT_AUTHOR, Setting.APPLY_TOPOLOGY)) {
            Path yaml = yaml(s, "nonsense");
            for (Map<String, String> env : List.of(Map.of(s.env(), "nonsense"), Map.<String, String>of())) {
                Optional<Path> file = env.isEmpty() ? Optional.of(yaml) : Optional.empty();
                // from the file, the message starts with the place: FILE:LINE (the key's depth is its line here)
                String place = env.isEmpty() ? yaml + ":" + s.yamlKey().split("\\.").length + ": " : s.env();
                assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(), env, file))
                        .isInstanceOf(ConfigException.class)
                        .hasMessageStartingWith(place)
                        .hasMessageContaining(s.env()).hasMessageContaining(s.flag()).hasMessageContaining(s.yamlKey())
                        .satisfies(e -> assertThat(e.getMessage().lines()).hasSize(1));
            }
        }
    }

    private void assertTakesEffect(String command, Setting s) throws IOException {
        String value = samples.get(s);
        assertThat(value).as("a sample value for %s in this test", s).isNotNull();
        Map<String, String> companionEnv = new HashMap<>();
        if (COMPANION.containsKey(s)) {
            Setting c = COMPANION.get(s);
            companionEnv.put(c.env(), samples.get(c));
        }
        OrgctlConfig defaults = ConfigResolver.resolve(Map.of(), Map.of(), Optional.empty());

        CommandLine cli = Main.commandLine();
        CommandLine.ParseResult parsed = cli.parseArgs(command, s.flag() + "=" + value);
        Map<Setting, String> flags = ConfigOptions.flags(parsed.subcommand().commandSpec());
        OrgctlConfig byFlag = ConfigResolver.resolve(flags, companionEnv, Optional.empty());

        Map<String, String> env = new HashMap<>(companionEnv);
        env.put(s.env(), value);
        OrgctlConfig byEnv = ConfigResolver.resolve(Map.of(), env, Optional.empty());

        OrgctlConfig byFile = ConfigResolver.resolve(Map.of(), companionEnv, Optional.of(yaml(s, value)));

        String before = exported(defaults, s);
        assertThat(exported(byFlag, s)).as("%s %s takes effect", command, s.flag()).isNotEqualTo(before);
        assertThat(exported(byEnv, s)).as("%s from %s", s, s.env()).isEqualTo(exported(byFlag, s));
        assertThat(exported(byFile, s)).as("%s from %s in orgctl.yaml", s, s.yamlKey()).isEqualTo(exported(byFlag, s));
    }

    /** The setting's value as a child process would get it: the whole resolved effect, secrets included. */
    private static String exported(OrgctlConfig c, Setting s) {
        return String.valueOf(ConfigExport.toEnvironment(c).get(s.env()));
    }

    /** An orgctl.yaml holding only {@code s}, nested as its dotted key says. */
    private Path yaml(Setting s, String value) throws IOException {
        String[] parts = s.yamlKey().split("\\.");
        StringBuilder y = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            y.append("  ".repeat(i)).append(parts[i]).append(':');
            y.append(i == parts.length - 1 ? " '" + value.replace("'", "''") + "'\n" : "\n");
        }
        return Files.writeString(dir.resolve(s.name() + ".yaml"), y.toString());
    }
}
