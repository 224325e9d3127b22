package dev.orgctl.cli;

import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.OrgctlConfig;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The configuration of a command that reads it: {@code @Mixin ConfigMixin settings;} gives the
 * command {@code --config} and the flag of every {@link dev.orgctl.config.Setting} it uses (added
 * by {@link Main} from the setting table, see {@link ConfigOptions}), and {@link #resolve()} the
 * validated configuration: flag &gt; environment &gt; orgctl.yaml &gt; default.
 */
public final class ConfigMixin {
    /** The command this mixin is part of: its options hold the flags given. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--config", paramLabel = "FILE",
            description = "config file (env " + ConfigResolver.CONFIG_ENV + "; default ./orgctl.yaml if present)")
    Path configFile;

    /** Resolves and validates the configuration of the command being run, and applies its log format. */
    public OrgctlConfig resolve() {
        return ConfigOptions.resolve(command, Optional.ofNullable(configFile));
    }
}
