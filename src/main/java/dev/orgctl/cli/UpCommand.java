package dev.orgctl.cli;

import dev.orgctl.config.ControllerTuning;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.config.Secret;
import dev.orgctl.controller.CircuitBreaker;
import dev.orgctl.controller.Controller;
import dev.orgctl.controller.ControllerSettings;
import dev.orgctl.controller.rollout.RolloutPlanner;
import dev.orgctl.controller.EventSource;
import dev.orgctl.controller.RetryPolicy;
import dev.orgctl.gateway.Gateway;
import dev.orgctl.gateway.PrefixRoute;
import dev.orgctl.tfstate.TfstateBackend;
import dev.orgctl.tfstate.TfstateSettings;
import dev.orgctl.tfstate.auth.GitHubStateAuth;
import dev.orgctl.tfstate.auth.StateAuth;
import java.time.Clock;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.gateway.Readiness;
import dev.orgctl.hosts.Hosts;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.git.FileRefStateStore;
import dev.orgctl.hosts.git.GitCi;
import dev.orgctl.hosts.git.GitHost;
import dev.orgctl.hosts.git.HttpDeliverySink;
import dev.orgctl.hosts.git.RefWatcher;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.ServerVersion;
import dev.orgctl.nats.topology.ResourcePlan;
import dev.orgctl.nats.topology.Topology;
import dev.orgctl.regen.TemplateSnapshot;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Run orgctl in the foreground: NATS (the embedded server when NATS_URL is unset), "
            + "the topology, the webhook gateway and the controller.", "Stop it with Ctrl-C."})
public final class UpCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(UpCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Override
    public Integer call() throws InterruptedException {
        OrgctlConfig config = settings.resolve();
        GatewaySettings gatewaySettings = GatewayCommand.settings(config);
        gatewaySettings.requireVerification(); // before starting anything
        config.github().requireOrg();
        if (config.backend() == dev.orgctl.config.Backend.GIT) {
            config.requireGitRoot();
        }
        try (Foreground foreground = Foreground.install(gatewaySettings.shutdownGrace().plusSeconds(15));
             NatsRuntime nats = NatsRuntime.open(config, "up", NatsRuntime.WhenNoUrl.START_EMBEDDED)) {
            ServerVersion.warnIfOld(nats.connection().getServerInfo().getVersion());
            ensureTopology(nats, config.applyTopology());
            try (Services services = new Services()) {
                Gateway gateway = startServices(services, config, nats, gatewaySettings, controllerSettings(config),
                        config.controller().watchInterval()).gateway();
                spec.commandLine().getOut().println("orgctl up: NATS at " + String.join(",",
                        nats.connector().settings().redactedUrls()) + "; webhooks at " + gateway.url()
                        + "/webhooks/github; press Ctrl-C to stop");
                spec.commandLine().getOut().flush();
                foreground.awaitStop();
            }
            return 0;
        }
    }

    /**
     * Starts what {@code up} runs, in order, into {@code services} (stopped in reverse, before NATS
     * closes): the repository host, the controller, the gateway (whose /readyz includes the
     * controller), and for the git backend the ref watcher that turns pushes into deliveries (and
     * whose first scan /readyz includes too).
     *
     * @return what was started (the gateway for its address; the controller and watcher for tests)
     */
    public static Started startServices(Services services, OrgctlConfig config, NatsRuntime nats, GatewaySettings settings,
                                 ControllerSettings controllerSettings, Duration watchInterval) {
        return startServices(services, config, nats, settings, controllerSettings, watchInterval,
                RolloutPlanner.FROM_CONFIG);
    }

    /** @param planner whether templates roll out in waves, and which (tests give their own waves) */
    public static Started startServices(Services services, OrgctlConfig config, NatsRuntime nats, GatewaySettings settings,
                                 ControllerSettings controllerSettings, Duration watchInterval, RolloutPlanner planner) {
        PrometheusMeterRegistry registry = Gateway.newRegistry();
        String org = config.github().requireOrg();
        RepositoryHost host = services.add("host", Hosts.open(config, Optional.of(nats)));
        TfstateSettings tfstateSettings = TfstateSettings.from(config.tfstate());
        Controller controller = services.add("controller", Controller.start(org, nats, host, controllerSettings, registry,
                planner, TfstateBackend.runLocks(nats.connection(), tfstateSettings, registry, Clock.systemUTC())));
        // The watcher needs the gateway's address, so its check is in place before the port opens
        // and reports "starting" until the watcher exists.
        AtomicReference<RefWatcher> started = new AtomicReference<>();
        Map<String, Readiness.Check> partChecks = new LinkedHashMap<>();
        partChecks.put("controller", controller::problem);
        List<EventSource> sources = new ArrayList<>(controller.sources());
        if (host instanceof GitHost) {
            sources.add(EventSource.of(RefWatcher.NAME, () -> started.get() == null ? Optional.of("starting")
                    : started.get().problem()));
        }
        sources.forEach(s -> partChecks.put(s.name(), s::problem)); // every source reports to /readyz the same way
        PrefixRoute tfstate = TfstateBackend.route(tfstateSettings, stateAuth(config, nats), registry,
                Clock.systemUTC());
        Gateway gateway = services.add("gateway", Gateway.start(settings, nats.connector(), registry, partChecks,
                List.of(tfstate)));
        Optional<RefWatcher> refWatcher = Optional.empty();
        if (host instanceof GitHost git) {
            Secret signing = config.webhookSecrets().none() ? Secret.of("unsigned") : config.webhookSecrets().signing();
            HttpDeliverySink sink = new HttpDeliverySink(gateway.url().resolve("/webhooks/github"), signing);
            // The simulated CI reports through the watcher's sink; closed after the watcher (services stop in reverse).
            RefWatcher.HeadListener ci = config.gitCi().enabled()
                    ? services.add("git-ci", new GitCi(git, sink, config.gitCi().timeout(), config.gitCi().parallel(),
                            TemplateSnapshot.TEMPLATES_REPO))
                    : head -> { };
            RefWatcher watcher = new RefWatcher(git, FileRefStateStore.inDataDir(config.dataDir()), sink, watchInterval,
                    Optional.of(org), RefWatcher.DEFAULT_FULL_CHECK_EVERY, ci);
            // Ready only once the first scan (on a fresh data dir, the baseline) is done: a push made
            // after /readyz says ready is then always delivered, never taken for history.
            watcher.start();
            started.set(watcher);
            services.add("ref-watcher", watcher);
            refWatcher = Optional.of(watcher);
        }
        return new Started(host, controller, gateway, refWatcher);
    }

    /**
     * The authentication of the Terraform state backend: GitHub Actions OIDC tokens (the configured
     * issuer and audience, authorized by the {@code tfstate.policy} of the config file) and orgctl
     * tokens (ORGCTL_TFSTATE_TOKENS). Without a policy and without tokens every request is refused.
     */
    static StateAuth stateAuth(OrgctlConfig config, NatsRuntime nats) {
        return GitHubStateAuth.create(config.tfstateAuth(), nats.keyValue(Topology.TFSTATE_TOKENS_BUCKET));
    }

    /** The parts {@link #startServices} started; all are stopped by closing the {@link Services}. */
    public record Started(RepositoryHost host, Controller controller, Gateway gateway, Optional<RefWatcher> refWatcher) {
    }

    /** The controller's settings of {@code up}: its tunables and the configured commit author. */
    static ControllerSettings controllerSettings(OrgctlConfig config) {
        ControllerTuning t = config.controller();
        return ControllerSettings.defaults().withWorkers(t.workers()).withReconcile(t.reconcileEvery())
                .withBreaker(new CircuitBreaker.Settings(t.breakerCommits(), t.breakerWindow()))
                .withMaxDepth(t.maxDepth()).withMaxLockFailures(t.maxLockFailures())
                .withLockWait(t.lockWait()).withSettle(t.settle(), t.maxSettle())
                .withRollout(new ControllerSettings.RolloutTiming(t.rolloutTick(), t.rolloutPoll()))
                .withPreviewComment(t.previewComment())
                .withIdentity(config.commitAuthor())
                .withRetry(RetryPolicy.from(config.retry()));
    }

    /** Creates what is missing; reports (or, when told, applies) drift and updates. */
    static void ensureTopology(NatsRuntime nats, boolean changeExisting) {
        List<ResourcePlan> plans = TopologyCommand.reconciler(nats).apply(nats.topology(), changeExisting);
        for (ResourcePlan p : plans) {
            if (!changeExisting && (p instanceof ResourcePlan.Update || p instanceof ResourcePlan.Drift)) {
                log.atWarn().addKeyValue("resource", p.spec().name())
                        .log("topology differs from the declaration; run 'orgctl topology plan' to see how, and "
                                + "'orgctl topology apply' or '--apply-topology' to fix it");
            }
        }
    }
}
