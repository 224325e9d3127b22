package dev.orgctl.tfstate;

import dev.orgctl.config.HostPort;
import dev.orgctl.config.WebhookSecrets;
import dev.orgctl.config.Secret;
import dev.orgctl.gateway.Gateway;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.gateway.PrefixRoute;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.tfstate.auth.StateAuth;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A gateway serving the state backend on a real nats-server, with {@link TestStateAuth} unless given another. */
final class TfstateServer implements AutoCloseable {
    final NatsServerFixture nats;
    final PrometheusMeterRegistry registry = Gateway.newRegistry();
    private final TfstateSettings settings;
    private final StateAuth auth;
    private final Clock clock;
    private Gateway gateway;
    private volatile Exchanges.Recorder recorder;

    TfstateServer(NatsServerFixture nats, TfstateSettings settings, Clock clock) {
        this(nats, settings, new TestStateAuth(), clock);
    }

    TfstateServer(NatsServerFixture nats, TfstateSettings settings, StateAuth auth, Clock clock) {
        this.nats = nats;
        this.settings = settings;
        this.auth = auth;
        this.clock = clock;
        start();
    }

    static TfstateServer start(TfstateSettings settings) {
        return new TfstateServer(NatsServerFixture.start().withTopology(), settings, Clock.systemUTC());
    }

    void start() {
        GatewaySettings gs = GatewaySettings.defaults(new HostPort("127.0.0.1", 0),
                new WebhookSecrets(List.of(Secret.of("unused-webhook-secret")))).withShutdownGrace(Duration.ofSeconds(2));
        PrefixRoute route = TfstateBackend.route(settings, auth, registry, clock);
        gateway = Gateway.start(gs, new NatsConnector(nats.settings()), registry, Map.of(),
                List.of(new PrefixRoute(route.prefix(), route.maxBodyBytes(), (c, w) -> {
                    recorder = new Exchanges.Recorder(route.factory().create(c, w));
                    return recorder;
                })));
    }

    /** What was sent and answered since the gateway started. */
    Exchanges.Recorder recorder() {
        return recorder;
    }

    /** Stops the gateway only (NATS keeps running). */
    void stopGateway() {
        gateway.close();
    }

    URI url(String name) {
        return gateway.url().resolve(TfstateHandler.PREFIX + name);
    }

    Gateway gateway() {
        return gateway;
    }

    @Override
    public void close() {
        gateway.close();
        nats.close();
    }
}
