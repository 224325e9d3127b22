package dev.orgctl.cli;

import dev.orgctl.OrgctlException;
import dev.orgctl.config.LogFormat;
import dev.orgctl.logging.Logging;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Entry point: builds the command tree and turns failures into one clear line and an exit code. */
public final class Main {
    /** Exit code of a configuration or usage error ({@link ExitCodes#USAGE}). */
    public static final int EXIT_CONFIG = ExitCodes.USAGE;
    private static final ExitCodes EXIT_CODES = new ExitCodes();

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** The long-running commands: they log at INFO; every other command at WARN unless --verbose. */
    private static final Set<List<String>> SERVICES = Set.of(List.of("up"), List.of("gateway"), List.of("demo"),
            List.of("nats", "serve"));

    public static int run(String... args) {
        // Everything after "--" belongs to a command that orgctl runs (lock exec), not to orgctl.
        List<String> own = Arrays.asList(args);
        int dashes = own.indexOf("--");
        own = dashes < 0 ? own : own.subList(0, dashes);
        // The log format must be chosen before the first logger is created.
        if (own.contains("json") && own.contains("--log-format")
                || "json".equalsIgnoreCase(System.getenv("ORGCTL_LOG_FORMAT"))) {
            Logging.configure(LogFormat.JSON);
        }
        Logging.verbose(own.contains("--verbose") || isService(own));
        return commandLine().execute(args);
    }

    static boolean isService(List<String> args) {
        List<String> words = args.stream().filter(a -> !a.startsWith("-")).limit(2).toList();
        return SERVICES.stream().anyMatch(s -> words.size() >= s.size() && words.subList(0, s.size()).equals(s));
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new OrgctlCommand());
        cli.addSubcommand(new CommandLine(new NatsCommand()).addSubcommand(new NatsServeCommand()));
        cli.addSubcommand(new CommandLine(new TopologyCommand())
                .addSubcommand(new TopologyCommand.Plan())
                .addSubcommand(new TopologyCommand.Apply()));
        cli.addSubcommand(new DemoCommand());
        cli.addSubcommand(new UpCommand());
        cli.addSubcommand(new DownCommand());
        cli.addSubcommand(new CommandLine(new BootstrapCommand())
                .addSubcommand(new BootstrapCommand.Status())
                .addSubcommand(new BootstrapCommand.Verify()));
        cli.addSubcommand(new StatusCommand());
        cli.addSubcommand(new CommandLine(new RolloutCommand())
                .addSubcommand(new RolloutCommand.Status()).addSubcommand(new RolloutCommand.Resume())
                .addSubcommand(new RolloutCommand.Abort()).addSubcommand(new RolloutCommand.Revert()));
        cli.addSubcommand(new CommandLine(new LockCommand())
                .addSubcommand(new LockCommand.ListLocks())
                .addSubcommand(new LockCommand.Release())
                .addSubcommand(new LockCommand.Exec()));
        cli.addSubcommand(new GatewayCommand());
        // orgctl tfstate: the Terraform state backend's commands (the token subcommands join these)
        cli.addSubcommand(TfstateCommand.subcommands());
        cli.addSubcommand(new CommandLine(new BenchCommand())
                .addSubcommand(new BenchGatewayCommand())
                .addSubcommand(new BenchLockCommand())
                .addSubcommand(new BenchTfstateCommand())
                .addSubcommand(new BenchRegenCommand()));
        cli.addSubcommand(new CommandLine(new RegenCommand())
                .addSubcommand(new RegenCommand.Plan()).addSubcommand(new RegenCommand.Apply())
                .addSubcommand(new RegenPreviewCommand()));
        cli.addSubcommand(new CommandLine(new DlqCommand())
                .addSubcommand(new DlqCommand.ListLetters()).addSubcommand(new DlqCommand.Redrive()));
        cli.addSubcommand(new CommandLine(new WebhookCommand())
                .addSubcommand(new WebhookCommand.Register())
                .addSubcommand(new WebhookCommand.Verify())
                .addSubcommand(new WebhookCommand.Redeliver()));
        addConfigOptions(cli);
        cli.setExitCodeExceptionMapper(EXIT_CODES);
        cli.setExecutionExceptionHandler(Main::handle);
        cli.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("orgctl: " + ex.getMessage());
            if (!(ex.getCause() instanceof CommandLine.TypeConversionException)) {
                // A bad value names its option and says what is allowed: one line is the whole story.
                err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            }
            return EXIT_CODES.getExitCode(ex);
        });
        return cli;
    }

    /** Gives every command that mixes in {@link ConfigMixin} the flags of the settings it uses. */
    private static void addConfigOptions(CommandLine cli) {
        for (CommandLine sub : cli.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.mixins().values().stream().anyMatch(m -> m.userObject() instanceof ConfigMixin)) {
                ConfigOptions.addTo(spec);
            }
            addConfigOptions(sub);
        }
    }

    /**
     * Prints a failure as one line. An {@link OrgctlException} was raised on purpose and its message
     * is written for the person reading it; anything else is unexpected, so the line says how to
     * get the stack trace. The exit code comes from the one mapping, {@link ExitCodes}.
     */
    private static int handle(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        err.println("orgctl: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
        if (System.getenv("ORGCTL_DEBUG") != null) {
            ex.printStackTrace(err);
        } else if (!(ex instanceof OrgctlException)) {
            err.println("(set ORGCTL_DEBUG=1 for the stack trace)");
        }
        return EXIT_CODES.getExitCode(ex);
    }
}
