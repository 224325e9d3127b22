package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.gateway.Gateway;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.ResourcePlan;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Run orgctl in the foreground: NATS (the embedded server when NATS_URL is unset), "
            + "the topology, the webhook gateway and the controller.", "Stop it with Ctrl-C."})
public final class UpCommand implements Callable<Integer>, Main.NeedsConfig {
    private static final Logger log = LoggerFactory.getLogger(UpCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--apply-topology",
            description = "also update existing streams, buckets and consumers that differ from the declaration "
                    + "(default: create what is missing, report the rest)")
    boolean applyTopology;

    @Mixin
    GatewayOptions gatewayOptions;

    @Override
    public CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() throws InterruptedException {
        OrgctlConfig config = ConfigOptions.resolve(spec);
        GatewaySettings gatewaySettings = gatewayOptions.settings(config);
        gatewaySettings.requireVerification(); // before starting anything
        try (Foreground foreground = Foreground.install(gatewaySettings.shutdownGrace().plusSeconds(15));
             NatsRuntime nats = NatsRuntime.open(config, "up", NatsRuntime.WhenNoUrl.START_EMBEDDED)) {
            ensureTopology(nats, applyTopology);
            try (Services services = new Services()) {
                Gateway gateway = startServices(services, config, nats, gatewaySettings);
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
     * closes). The seam for the controller: start it here, before the gateway, on the same
     * registry, and add its readiness (consumers bound) to {@code gateway.readiness()}.
     *
     * @return the gateway, for its address
     */
    static Gateway startServices(Services services, OrgctlConfig config, NatsRuntime nats, GatewaySettings settings) {
        PrometheusMeterRegistry registry = Gateway.newRegistry();
        // Controller: services.add("controller", Controller.start(config, nats, registry)); (its issue)
        Gateway gateway = services.add("gateway", Gateway.start(settings, nats.connector(), registry));
        return gateway;
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
