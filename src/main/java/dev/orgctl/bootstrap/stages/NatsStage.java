package dev.orgctl.bootstrap.stages;

import dev.orgctl.bootstrap.BootstrapContext;
import dev.orgctl.bootstrap.BootstrapException;
import dev.orgctl.bootstrap.BootstrapMode;
import dev.orgctl.bootstrap.Stage;
import dev.orgctl.bootstrap.StageName;
import dev.orgctl.config.NatsSettings;
import dev.orgctl.nats.EmbeddedNats;
import dev.orgctl.nats.NatsConnector;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.NatsUnavailableException;
import io.nats.client.Connection;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Stage 3: a NATS server with JetStream. Dev mode: the embedded server, started detached with a
 * persistent store, or adopted when one already runs on the data directory's store. External
 * mode: the configured servers, checked for JetStream.
 */
public final class NatsStage implements Stage {
    @Override
    public StageName name() {
        return StageName.NATS;
    }

    @Override
    public String plan(BootstrapContext ctx) {
        if (!ctx.config().nats().embedded()) {
            return "use NATS at " + String.join(",", ctx.config().nats().redactedUrls()) + " and check JetStream";
        }
        Path store = NatsRuntime.embeddedStore(ctx.config());
        return EmbeddedNats.findRunning(store).map(r -> "adopt the embedded server already running (" + r.url() + ")")
                .orElse("start the embedded nats-server in the background, store " + store);
    }

    @Override
    public void precondition(BootstrapContext ctx) {
        if (ctx.mode() == BootstrapMode.EXTERNAL && ctx.config().nats().embedded()) {
            throw new BootstrapException("--mode external needs NATS_URL (and its credentials); "
                    + "use --mode dev for an embedded server");
        }
    }

    @Override
    public Outcome apply(BootstrapContext ctx) {
        ctx.resetNats();
        if (!ctx.config().nats().embedded()) {
            String version = jetStreamVersion(ctx.config().nats());
            return Outcome.done("external NATS " + version + " with JetStream at "
                    + String.join(",", ctx.config().nats().redactedUrls()), Map.of("external", "true"));
        }
        Path store = NatsRuntime.embeddedStore(ctx.config());
        Optional<EmbeddedNats.Running> running = EmbeddedNats.findRunning(store);
        if (running.isPresent()) {
            return Outcome.adopted("embedded nats-server already running at " + running.get().url() + " (pid "
                    + running.get().pid() + ")", Map.of("url", running.get().url(), "pid", Long.toString(running.get().pid()),
                    "store", store.toString()));
        }
        EmbeddedNats.Running started = EmbeddedNats.startDetached(new EmbeddedNats.Spec(
                EmbeddedNats.locateBinary(ctx.config().nats().serverBin()), store, "127.0.0.1", 0, -1, ""),
                Duration.ofSeconds(20));
        return Outcome.done("embedded nats-server started at " + started.url() + " (pid " + started.pid()
                + ", log " + store.resolve("nats-server.log") + ")", Map.of("url", started.url(),
                "pid", Long.toString(started.pid()), "store", store.toString()));
    }

    @Override
    public Optional<String> verify(BootstrapContext ctx) {
        List<String> urls = ctx.natsUrls().orElse(List.of());
        if (urls.isEmpty()) {
            return Optional.of("no NATS server recorded");
        }
        try {
            jetStreamVersion(ctx.config().nats().withUrls(urls));
            return Optional.empty();
        } catch (NatsUnavailableException e) {
            return Optional.of("NATS does not answer: " + e.getMessage());
        }
    }

    private static String jetStreamVersion(NatsSettings settings) {
        NatsConnector connector = new NatsConnector(settings);
        try (Connection c = connector.connect("bootstrap-check", Duration.ofSeconds(5))) {
            c.jetStreamManagement(connector.jetStreamOptions()).getAccountStatistics();
            return c.getServerInfo().getVersion();
        } catch (IOException | io.nats.client.JetStreamApiException e) {
            throw new NatsUnavailableException("JetStream is not enabled or not answering: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsUnavailableException("interrupted", e);
        }
    }
}
