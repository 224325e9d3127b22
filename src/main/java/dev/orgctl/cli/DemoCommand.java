package dev.orgctl.cli;

import dev.orgctl.config.Backend;
import dev.orgctl.config.ConfigExport;
import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.HostPort;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.config.Setting;
import dev.orgctl.controller.CircuitBreaker;
import dev.orgctl.controller.ControllerMetrics;
import dev.orgctl.controller.ControllerSettings;
import dev.orgctl.controller.PreviewStore;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.demo.Demo;
import dev.orgctl.demo.DemoFailure;
import dev.orgctl.gateway.Gateway;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.hosts.git.GitHost;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.Topology;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.HexFormat;
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

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Show orgctl working, on this machine, with nothing configured.",
            "Starts the embedded NATS, creates a local org of bare git repositories (a templates repository with a "
                + "CI workflow, CODEOWNERS, dependabot.yml and a PR template, and --repos target repositories), "
                + "runs the gateway, the controller and the ref watcher, and acts out the story: a template change "
                + "reaches every repository; orgctl's own commits cause nothing; a hand edit is repaired; a burst "
                + "of template pushes is coalesced; a proposed template change is previewed; a change that breaks "
                + "a canary's CI pauses its rollout after the first wave and the fix reaches every repository. Ends with a table and what it proved. Data stays in the data "
                + "directory: run 'orgctl status' afterwards.",
            "Exit code: 0 every claim held; 1 one did not (the reason is printed)."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Option(names = "--repos", paramLabel = "N", defaultValue = "12",
            description = "target repositories to create (default: ${DEFAULT-VALUE})")
    int repos;

    @Option(names = "--keep-running", description = "keep everything serving after the story, until Ctrl-C")
    boolean keepRunning;

    @Override
    public Integer call() throws Exception {
        if (repos < 1 || repos > 500) {
            throw new CommandFailure("--repos must be 1-500", Main.EXIT_CONFIG);
        }
        OrgctlConfig base = settings.resolve();
        PrintWriter out = spec.commandLine().getOut();
        String org = "demo-" + LocalTime.now(ZoneId.systemDefault()).format(DateTimeFormatter.ofPattern("HHmmss"));
        Path demoDir = base.dataDir().resolve("demo");
        Path gitRoot = demoDir.resolve("git");
        Files.createDirectories(gitRoot);
        OrgctlConfig config = demoConfig(base, org, gitRoot);
        out.println("orgctl demo: org " + org + ", " + repos + " repositories under " + gitRoot);
        out.println("(logs on stderr; data in " + base.dataDir() + ")");
        out.flush();
        try (GitHost setupHost = new GitHost(gitRoot)) {
            List<String> names = Demo.createOrg(setupHost, org, repos);
            try (Foreground foreground = Foreground.install(Duration.ofSeconds(30));
                 NatsRuntime nats = NatsRuntime.open(config, "demo", NatsRuntime.WhenNoUrl.START_EMBEDDED)) {
                UpCommand.ensureTopology(nats, false);
                try (Services services = new Services()) {
                    GatewaySettings gs = GatewaySettings.defaults(new HostPort("127.0.0.1", 0), config.webhookSecrets());
                    ControllerSettings cs = ControllerSettings.defaults().withReconcile(Optional.empty())
                            .withBreaker(new CircuitBreaker.Settings(5, Duration.ofMinutes(10)));
                    UpCommand.Started started = UpCommand.startServices(services, config, nats, gs, cs,
                            Duration.ofMillis(100));
                    Gateway gateway = started.gateway();
                    out.println("NATS " + String.join(",", nats.connector().settings().redactedUrls()) + ", webhooks "
                            + gateway.url() + "/webhooks/github");
                    Workflows workflows = Workflows.open(nats, "demo");
                    ControllerMetrics metrics = started.controller().metrics();
                    PreviewStore previews = new PreviewStore(nats.keyValue(Topology.PREVIEWS_BUCKET), Clock.systemUTC());
                    Demo demo = new Demo(setupHost, org, names, workflows, metrics, previews,
                            new dev.orgctl.controller.rollout.KvRollouts(nats.keyValue(Topology.ROLLOUTS_BUCKET),
                                    Clock.systemUTC(), new dev.orgctl.controller.rollout.RolloutWorkflow(workflows)), Files.createDirectories(demoDir.resolve("work")), out);
                    List<String> proved = demo.run();
                    demo.table();
                    out.println();
                    out.println("What this run proved:");
                    for (String p : proved) {
                        out.println("  \u2713 " + p);
                    }
                    out.println();
                    out.println("Next: 'orgctl status' shows the workflows; the repositories are in " + gitRoot.resolve(org)
                            + "; run './orgctl demo --keep-running' and push to them yourself.");
                    out.flush();
                    if (keepRunning) {
                        out.println("Serving until Ctrl-C. Try: git clone " + gitRoot.resolve(org).resolve(names.get(0) + ".git"));
                        out.flush();
                        foreground.awaitStop();
                    }
                }
            }
            return 0;
        } catch (DemoFailure e) {
            throw new CommandFailure("demo failed: " + e.getMessage(), 1);
        }
    }

    /** The user's settings, with what the demo owns: the git backend, its org and root, a fresh secret. */
    private static OrgctlConfig demoConfig(OrgctlConfig base, String org, Path gitRoot) {
        Map<String, String> env = ConfigExport.toEnvironment(base);
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        flags.put(Setting.BACKEND, Backend.GIT.name().toLowerCase(Locale.ROOT));
        flags.put(Setting.GITHUB_ORG, org);
        flags.put(Setting.GIT_ROOT, gitRoot.toString());
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        flags.put(Setting.GITHUB_WEBHOOK_SECRET, HexFormat.of().formatHex(secret));
        return ConfigResolver.resolve(flags, env, Optional.empty());
    }
}
