package dev.orgctl.cli;

import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.config.Setting;
import dev.orgctl.logging.Logging;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Gives a command the configuration flags, one per {@link Setting}, and resolves them with the
 * environment and the config file. The flags are added from the {@link Setting} table rather
 * than annotated field by field, so a new setting is one enum constant. Help never shows a secret:
 * no flag has a default rendered from the environment.
 */
public final class ConfigOptions {
    private ConfigOptions() {
    }

    /** Adds the flag of every setting the command uses ({@link Setting#scope()}). */
    public static void addTo(CommandSpec spec) {
        String command = spec.qualifiedName(" ").replaceFirst("^\\S+\\s*", "");
        ArgGroupSpec.Builder group = ArgGroupSpec.builder()
                .heading("%nConfiguration (flag > environment > orgctl.yaml > default):%n")
                .exclusive(false).multiplicity("0..1");
        for (Setting s : Setting.values()) {
            if (!s.scope().covers(command)) {
                continue;
            }
            OptionSpec.Builder flag = OptionSpec.builder(s.flag()).paramLabel(label(s)).type(String.class)
                    .description(s.description() + " (" + names(s) + ")");
            if (s.isSwitch()) {
                // --apply-topology alone means true, as the plain flag always did
                flag.arity("0..1").fallbackValue("true");
            }
            group.addArg(flag.build());
        }
        spec.addArgGroup(group.build());
        spec.usageMessage().abbreviateSynopsis(true).sortOptions(false);
    }

    /** The other two spellings and the default, as help shows them. Never a value from the environment. */
    static String names(Setting s) {
        String def = s.defaultValue().map(d -> "; default " + d).orElse("");
        String secretNote = s.secret() ? "; prefer the environment: flags show in process lists" : "";
        return "env " + s.env() + ", " + s.yamlKey() + " in orgctl.yaml" + def + secretNote;
    }

    private static String label(Setting s) {
        return switch (s) {
            case NATS_URL -> "URL[,URL...]";
            case HTTP_ADDR -> "HOST:PORT";
            case NATS_REPLICAS, GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID -> "N";
            case DEDUP_WINDOW -> "DURATION";
            case HTTP_BODY_BUDGET -> "SIZE";
            case HTTP_MAX_CONNECTIONS, HTTP_MAX_CONNECTIONS_PER_ADDRESS -> "N";
            case RETRY_MAX_ATTEMPTS -> "N";
            case RETRY_INITIAL, RETRY_MAX -> "DURATION";
            case RETRY_JITTER -> "FRACTION";
            case BACKEND -> "github|git";
            case LOG_FORMAT -> "text|json";
            case APPLY_TOPOLOGY, INSECURE_NO_SIGNATURE, GIT_CI -> "true|false";
            case MAX_BODY -> "SIZE";
            case NATS_TIMEOUT, NATS_WAIT, SHUTDOWN_GRACE, RECONCILE_EVERY, WATCH_INTERVAL, REPO_LOCK_WAIT, SETTLE, MAX_SETTLE,
                    GIT_CI_TIMEOUT ->
                    "DURATION";
            case HTTP_THREADS, WORKERS, MAX_DEPTH, MAX_LOCK_FAILURES, GIT_CI_PARALLEL -> "N";
            case BREAKER -> "N/DURATION";
            case COMMIT_AUTHOR -> "'NAME <EMAIL>'";
            case GITHUB_ORG -> "ORG";
            default -> s.secret() ? "SECRET" : s.flag().endsWith("file") || s.flag().endsWith("dir")
                    || s.flag().endsWith("bin") || s.flag().endsWith("root") ? "PATH" : "VALUE";
        };
    }

    /** Resolves the configuration of the command being run, and applies its log format. */
    static OrgctlConfig resolve(CommandSpec spec, Optional<Path> configFile) {
        OrgctlConfig config = ConfigResolver.resolve(flags(spec), System.getenv(), configFile);
        Logging.configure(config.logFormat());
        return config;
    }

    /** The settings given as flags to the command just parsed. */
    static Map<Setting, String> flags(CommandSpec spec) {
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            OptionSpec o = spec.findOption(s.flag());
            if (o != null && o.getValue() != null) {
                flags.put(s, o.getValue().toString());
            }
        }
        return flags;
    }
}
