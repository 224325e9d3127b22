package dev.orgctl.tfstate;

import dev.orgctl.gateway.PrefixRoute;
import dev.orgctl.tfstate.auth.StateAuth;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;

/** The state backend as a route of the gateway: store, locks and handler on the gateway's connection. */
public final class TfstateBackend {
    private TfstateBackend() {
    }

    /** Releases the locks of GitHub Actions runs that ended (the controller's event stage calls it). */
    public static RunLockReleaser runLocks(io.nats.client.Connection connection, TfstateSettings settings,
                                           MeterRegistry registry, Clock clock) {
        TfstateMetrics metrics = new TfstateMetrics(registry);
        return new RunLockReleaser(new StateLocks(connection, settings.maxHold(), clock, metrics), metrics, clock);
    }

    /** The {@code /tfstate/} route; its body limit is {@code tfstate.max_bytes}. */
    public static PrefixRoute route(TfstateSettings settings, StateAuth auth, MeterRegistry registry, Clock clock) {
        TfstateMetrics metrics = new TfstateMetrics(registry);
        return new PrefixRoute(TfstateHandler.PREFIX, settings.maxBytes(), (connection, workers) -> new TfstateHandler(
                new StateStore(connection, settings.keys(), settings.versions(), clock),
                new StateLocks(connection, settings.maxHold(), clock, metrics), auth, settings, metrics, workers, clock));
    }
}
