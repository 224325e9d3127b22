package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.ResourcePlan;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
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

    @Override
    public CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() throws InterruptedException {
        OrgctlConfig config = ConfigOptions.resolve(spec);
        try (NatsRuntime nats = NatsRuntime.open(config, "up", NatsRuntime.WhenNoUrl.START_EMBEDDED)) {
            ensureTopology(nats, applyTopology);
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "up-shutdown"));
            spec.commandLine().getOut().println("orgctl up: NATS at " + String.join(",",
                    nats.connector().settings().redactedUrls()) + "; press Ctrl-C to stop");
            spec.commandLine().getOut().flush();
            stop.await();
            return 0;
        }
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
