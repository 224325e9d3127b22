package dev.orgctl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orgctl.bootstrap.BootstrapContext;
import dev.orgctl.bootstrap.BootstrapMode;
import dev.orgctl.bootstrap.BootstrapRunner;
import dev.orgctl.bootstrap.BootstrapState;
import dev.orgctl.bootstrap.FileBootstrapLock;
import dev.orgctl.bootstrap.FileStateStore;
import dev.orgctl.bootstrap.StageName;
import dev.orgctl.bootstrap.StageFailedException;
import dev.orgctl.bootstrap.StageResult;
import dev.orgctl.bootstrap.StateStores;
import dev.orgctl.bootstrap.Stages;
import dev.orgctl.bootstrap.TestPause;
import dev.orgctl.config.OrgctlConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bootstrap", mixinStandardHelpOptions = true,
        description = {"Take the org from nothing to self-managing, in stages: "
                + "prerequisites, state, nats, topology, gateway, webhooks, self-management.",
            "Runs only what is not done yet; a re-run is a no-op; a crash resumes at the stage it died in; "
                + "two bootstraps at once never both act.",
            "Exit code: 0 done, 1 a stage failed (re-run to resume), 2 usage or configuration error."})
public final class BootstrapCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Option(names = "--plan", description = "print each stage and what it would do; change nothing")
    boolean plan;

    @Option(names = "--mode", paramLabel = "dev|external", defaultValue = "dev",
            description = "dev: embedded NATS and background gateway+controller on this machine; external: NATS_URL "
                    + "given, the gateway run by your platform (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--from", paramLabel = "STAGE", description = "start at this stage (and redo it)")
    String from;

    @Option(names = "--only", paramLabel = "STAGE", description = "run only this stage (and redo it)")
    String only;

    @Option(names = "--gateway-url", paramLabel = "URL",
            description = "where the gateway answers (external mode: orgctl waits for its /readyz)")
    URI gatewayUrl;

    @Option(names = "--public-url", paramLabel = "URL",
            description = "the gateway's address as GitHub reaches it, for the webhook (github backend)")
    URI publicUrl;

    @Option(names = "--lock-wait", paramLabel = "DURATION", defaultValue = "0s",
            description = "how long to wait for another running bootstrap before giving up (default: ${DEFAULT-VALUE})",
            converter = DurationConverter.class)
    Duration lockWait;

    @Option(names = "--output", paramLabel = "text|json", defaultValue = "text",
            description = "json: one JSON document with every stage's result, for scripts")
    String output;

    @Override
    public Integer call() {
        OrgctlConfig config = settings.resolve();
        BootstrapMode bootstrapMode = parseMode(mode);
        BootstrapRunner.Selection selection = new BootstrapRunner.Selection(stage(from, "--from"), stage(only, "--only"));
        if (selection.from().isPresent() && selection.only().isPresent()) {
            throw new CommandFailure("--from and --only cannot be used together", Main.EXIT_CONFIG);
        }
        boolean json = "json".equals(output);
        PrintWriter out = spec.commandLine().getOut();
        StringWriter buffer = new StringWriter();
        PrintWriter progress = json ? new PrintWriter(buffer) : out;
        Duration wait = lockWait;
        // Closed in reverse: the lease (stores) before the NATS connection (ctx) it needs, the file lock last.
        try (FileBootstrapLock lock = FileBootstrapLock.acquire(config.dataDir(), wait);
             BootstrapContext ctx = new BootstrapContext(config, bootstrapMode, Optional.ofNullable(gatewayUrl),
                     Optional.ofNullable(publicUrl), progress, BootstrapState.empty());
             StateStores stores = new StateStores(new FileStateStore(config.dataDir()), wait)) {
            BootstrapRunner runner = new BootstrapRunner(
                    TestPause.fromEnvironment(System.getenv()).around(Stages.all(config)), stores);
            if (plan) {
                for (String line : runner.plan(ctx, selection)) {
                    out.println(line);
                }
                out.flush();
                return 0;
            }
            BootstrapRunner.Report report;
            try {
                report = runner.run(ctx, selection);
            } catch (StageFailedException failed) {
                if (json) {
                    // A script gets the whole picture on stdout; Main still prints the one-line error
                    // on stderr and exits 1.
                    out.println(failureJson(failed));
                    out.flush();
                }
                throw failed;
            }
            if (json) {
                out.println(toJson(report.results(), report.acted()));
            } else if (!report.acted()) {
                out.println("Nothing to do: every stage is done. 'orgctl bootstrap verify' re-checks them.");
            } else {
                out.println("Bootstrap complete. State: " + stores.describe(ctx.state()));
            }
            out.flush();
            return 0;
        }
    }

    static BootstrapMode parseMode(String mode) {
        try {
            return BootstrapMode.valueOf(mode.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("--mode: '" + mode + "' is not valid; expected dev or external", Main.EXIT_CONFIG);
        }
    }

    private static Optional<StageName> stage(String text, String flag) {
        if (text == null) {
            return Optional.empty();
        }
        return Optional.of(StageName.parse(text).orElseThrow(() -> new CommandFailure(flag + ": '" + text
                + "' is not a stage; stages: " + StageName.allIds(), Main.EXIT_CONFIG)));
    }

    static String toJson(List<StageResult> results, boolean acted) {
        return toJsonNode(results, acted).toString();
    }

    /**
     * The same document as a successful run's, plus {@code failed} (the stage's name); the failed
     * stage's entry carries its error, and the selected stages the run never reached are listed as
     * {@code pending}.
     */
    static String failureJson(StageFailedException failed) {
        ObjectNode root = toJsonNode(failed.report().results(), failed.report().acted());
        List<StageResult> results = failed.report().results();
        root.put("failed", results.get(results.size() - 1).stage().id());
        ArrayNode stages = (ArrayNode) root.get("stages");
        for (StageName s : failed.notRun()) {
            stages.addObject().put("stage", s.id()).put("status", "pending");
        }
        return root.toString();
    }

    private static ObjectNode toJsonNode(List<StageResult> results, boolean acted) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("acted", acted);
        ArrayNode stages = root.putArray("stages");
        for (StageResult r : results) {
            ObjectNode n = stages.addObject();
            n.put("stage", r.stage().id());
            n.put("status", r.status().name().toLowerCase(java.util.Locale.ROOT));
            n.put("at", r.at().toString());
            n.put("by", r.by());
            ObjectNode d = n.putObject("details");
            r.details().forEach(d::put);
            r.error().ifPresent(e -> n.put("error", e));
        }
        return root;
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show each stage's recorded result. Works before NATS exists (from the local file).")
    public static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Option(names = "--output", paramLabel = "text|json", defaultValue = "text", description = "json for scripts")
        String output;

        @Override
        public Integer call() {
            OrgctlConfig config = settings.resolve();
            StateStores stores = new StateStores(new FileStateStore(config.dataDir()));
            PrintWriter out = spec.commandLine().getOut();
            BootstrapState state;
            try (BootstrapContext ctx = new BootstrapContext(config, BootstrapMode.DEV, Optional.empty(), Optional.empty(),
                    out, BootstrapState.empty())) {
                state = stores.load(ctx);
                if ("json".equals(output)) {
                    out.println(toJson(List.copyOf(state.results().values()), false));
                    out.flush();
                    return 0;
                }
                out.println("Bootstrap state: " + stores.describe(state));
            }
            for (StageName s : StageName.values()) {
                Optional<StageResult> r = state.result(s);
                out.printf("%-16s %-9s %s%n", s.id(), r.map(x -> x.status().name().toLowerCase(Locale.ROOT)).orElse("pending"),
                        r.map(x -> x.at() + "  " + x.error().orElse(x.details().getOrDefault("summary", ""))).orElse(""));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Re-run every stage's verification now.",
                "Exit code: 0 all hold, 1 some failed (each is named)."})
    public static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigMixin settings;

        @Option(names = "--mode", paramLabel = "dev|external", defaultValue = "dev", description = "as for bootstrap")
        String mode;

        @Override
        public Integer call() {
            OrgctlConfig config = settings.resolve();
            PrintWriter out = spec.commandLine().getOut();
            StateStores stores = new StateStores(new FileStateStore(config.dataDir()));
            try (BootstrapContext ctx = new BootstrapContext(config, parseMode(mode), Optional.empty(), Optional.empty(),
                    out, BootstrapState.empty())) {
                Map<StageName, String> failures = new BootstrapRunner(Stages.all(config), stores).verify(ctx);
                for (StageName s : Stages.all(config).stream().map(dev.orgctl.bootstrap.Stage::name).toList()) {
                    out.printf("%-16s %s%n", s.id(), failures.containsKey(s) ? "FAILED: " + failures.get(s) : "ok");
                }
                out.flush();
                if (!failures.isEmpty()) {
                    throw new CommandFailure("verification failed for: " + String.join(", ",
                            failures.keySet().stream().map(StageName::id).toList()), 1);
                }
                return 0;
            }
        }
    }
}
