package dev.orgctl.bootstrap;

import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.nats.NatsRuntime;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * What every stage can see: the configuration, the mode, where to print progress, and the NATS
 * connection once the nats stage has made one possible. Owns that connection and closes it.
 */
public final class BootstrapContext implements AutoCloseable {
    private final OrgctlConfig config;
    private final BootstrapMode mode;
    private final Optional<URI> gatewayUrl;
    private final Optional<URI> publicUrl;
    private final PrintWriter out;
    private final String by;
    private BootstrapState state;
    private NatsRuntime nats;

    public BootstrapContext(OrgctlConfig config, BootstrapMode mode, Optional<URI> gatewayUrl, Optional<URI> publicUrl,
                            PrintWriter out, BootstrapState state) {
        this.config = config;
        this.mode = mode;
        this.gatewayUrl = gatewayUrl;
        this.publicUrl = publicUrl;
        this.out = out;
        this.state = state;
        this.by = "orgctl pid " + ProcessHandle.current().pid() + " (" + ManagementFactory.getRuntimeMXBean().getName() + ")";
    }

    public OrgctlConfig config() {
        return config;
    }

    public BootstrapMode mode() {
        return mode;
    }

    public Optional<URI> gatewayUrl() {
        return gatewayUrl;
    }

    public Optional<URI> publicUrl() {
        return publicUrl;
    }

    public PrintWriter out() {
        return out;
    }

    public String by() {
        return by;
    }

    public BootstrapState state() {
        return state;
    }

    void state(BootstrapState s) {
        this.state = s;
    }

    /** The NATS URL(s) to use: the configured ones, else the embedded server the nats stage recorded. */
    public Optional<List<String>> natsUrls() {
        if (!config.nats().embedded()) {
            return Optional.of(config.nats().urls());
        }
        return state.result(StageName.NATS).map(r -> r.details().get("url")).filter(u -> u != null && !u.isEmpty())
                .map(List::of);
    }

    /** A connection to the bootstrap's NATS, opened on first use. */
    public NatsRuntime nats() {
        if (nats == null) {
            List<String> urls = natsUrls().orElseThrow(() -> new BootstrapException(
                    "no NATS yet: the nats stage has not run; run 'orgctl bootstrap' (or --from nats)"));
            nats = NatsRuntime.open(config.withNats(config.nats().withUrls(urls)), "bootstrap",
                    NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED);
        }
        return nats;
    }

    /** Drops the connection, for example after the server it pointed at was replaced. */
    public void resetNats() {
        if (nats != null) {
            nats.close();
            nats = null;
        }
    }

    @Override
    public void close() {
        resetNats();
    }
}
