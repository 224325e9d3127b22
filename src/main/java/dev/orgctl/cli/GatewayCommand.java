package dev.orgctl.cli;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.gateway.Gateway;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.ServerVersion;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = {"Run only the webhook gateway, in the foreground.",
            "",
            "Serves POST /webhooks/github, /healthz, /readyz and /metrics on ORGCTL_HTTP_ADDR. Deliveries are "
                + "verified against GITHUB_WEBHOOK_SECRET (comma-separated for rotation), de-duplicated by delivery "
                + "id and stored in JetStream before GitHub gets its 202. Uses NATS_URL, else the embedded server. "
                + "Stop it with Ctrl-C. See docs/gateway.md."})
public final class GatewayCommand implements Callable<Integer>, Main.NeedsConfig {
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
        GatewaySettings settings = gatewayOptions.settings(config);
        settings.requireVerification(); // before starting anything
        try (Foreground foreground = Foreground.install(settings.shutdownGrace().plusSeconds(15));
             NatsRuntime nats = NatsRuntime.open(config, "gateway", NatsRuntime.WhenNoUrl.START_EMBEDDED)) {
            ServerVersion.warnIfOld(nats.connection().getServerInfo().getVersion());
            UpCommand.ensureTopology(nats, applyTopology);
            try (Gateway gateway = Gateway.start(settings, nats.connector(), Gateway.newRegistry())) {
                spec.commandLine().getOut().println("orgctl gateway: webhooks at " + gateway.url()
                        + "/webhooks/github; press Ctrl-C to stop");
                spec.commandLine().getOut().flush();
                foreground.awaitStop();
            }
            return 0;
        }
    }
}
