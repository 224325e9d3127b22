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
    static final String CONFIG_FLAG = "--config";

    private ConfigOptions() {
    }

    /** Adds {@code --config} and every setting's flag to a command. */
    public static void addTo(CommandSpec spec) {
        ArgGroupSpec.Builder group = ArgGroupSpec.builder()
                .heading("%nConfiguration (flag > environment > orgctl.yaml > default):%n")
                .exclusive(false).multiplicity("0..1");
        group.addArg(OptionSpec.builder(CONFIG_FLAG).paramLabel("FILE").type(Path.class)
                .description("config file (env " + ConfigResolver.CONFIG_ENV + "; default ./orgctl.yaml if present)")
                .build());
        for (Setting s : Setting.values()) {
            String def = s.defaultValue().map(d -> "; default " + d).orElse("");
            String secretNote = s.secret() ? "; prefer the environment: flags show in process lists" : "";
            group.addArg(OptionSpec.builder(s.flag()).paramLabel(label(s)).type(String.class)
                    .description(s.description() + " (env " + s.env() + def + secretNote + ")")
                    .build());
        }
        spec.addArgGroup(group.build());
        spec.usageMessage().abbreviateSynopsis(true).sortOptions(false);
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
            case GITHUB_ORG -> "ORG";
            default -> s.secret() ? "SECRET" : s.flag().endsWith("file") || s.flag().endsWith("dir")
                    || s.flag().endsWith("bin") || s.flag().endsWith("root") ? "PATH" : "VALUE";
        };
    }

    /** Resolves the configuration of the command being run, and applies its log format. */
    public static OrgctlConfig resolve(CommandSpec spec) {
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        Optional<Path> configFile = Optional.empty();
        for (OptionSpec o : spec.options()) {
            Object v = o.getValue();
            if (v == null) {
                continue;
            }
            if (CONFIG_FLAG.equals(o.longestName())) {
                configFile = Optional.of((Path) v);
                continue;
            }
            for (Setting s : Setting.values()) {
                if (s.flag().equals(o.longestName())) {
                    flags.put(s, v.toString());
                }
            }
        }
        OrgctlConfig config = ConfigResolver.resolve(flags, System.getenv(), configFile);
        Logging.configure(config.logFormat());
        return config;
    }
}
