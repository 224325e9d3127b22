package dev.orgctl.cli;

import dev.orgctl.config.ConfigException;
import dev.orgctl.config.GatewayTuning;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.config.Setting;
import dev.orgctl.gateway.Gateway;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.ServerVersion;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = {"Run only the webhook gateway, in the foreground.",
            "",
            "Serves POST /webhooks/github, /healthz, /readyz and /metrics on ORGCTL_HTTP_ADDR. Deliveries are "
                + "verified against GITHUB_WEBHOOK_SECRET (comma-separated for rotation), de-duplicated by delivery "
                + "id and stored in JetStream before GitHub gets its 202. Uses NATS_URL, else the embedded server. "
                + "Stop it with Ctrl-C. See docs/gateway.md."})
public final class GatewayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigMixin settings;

    @Override
    public Integer call() throws InterruptedException {
        OrgctlConfig config = settings.resolve();
        GatewaySettings settings = settings(config);
        settings.requireVerification(); // before starting anything
        try (Foreground foreground = Foreground.install(settings.shutdownGrace().plusSeconds(15));
             NatsRuntime nats = NatsRuntime.open(config, "gateway", NatsRuntime.WhenNoUrl.START_EMBEDDED)) {
            ServerVersion.warnIfOld(nats.connection().getServerInfo().getVersion());
            UpCommand.ensureTopology(nats, config.applyTopology());
            try (Gateway gateway = Gateway.start(settings, nats.connector(), Gateway.newRegistry())) {
                spec.commandLine().getOut().println("orgctl gateway: webhooks at " + gateway.url()
                        + "/webhooks/github; press Ctrl-C to stop");
                spec.commandLine().getOut().flush();
                foreground.awaitStop();
            }
            return 0;
        }
    }

    /**
     * The gateway's settings from the configuration (shared by {@code up}). A value the gateway
     * refuses is a configuration error naming the setting.
     */
    static GatewaySettings settings(OrgctlConfig config) {
        GatewayTuning own = config.gateway();
        try {
            return GatewaySettings.defaults(config.httpAddr(), config.webhookSecrets())
                    .withInsecureNoSignature(own.insecureNoSignature())
                    .withMaxBodyBytes(own.maxBodyBytes())
                    .withNatsTimeout(own.natsTimeout())
                    .withWorkerThreads(own.httpThreads())
                    .withShutdownGrace(own.shutdownGrace())
                    .withDedupWindow(config.dedupWindow())
                    .withCapacity(config.httpCapacity());
        } catch (IllegalArgumentException e) {
            // the only bound the configuration does not check itself: the NATS timeout's range
            throw new ConfigException(Setting.NATS_TIMEOUT.displayName() + ": " + e.getMessage());
        }
    }
}
