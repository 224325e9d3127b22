package dev.orgctl.nats;

import dev.orgctl.config.NatsSettings;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one connection's outages: one WARN when a connection that was up is lost, and one
 * summary when it is back (how long, how many reconnect attempts), instead of a line per attempt
 * (jnats reports every failed reconnect attempt as another disconnect, about one a second).
 */
final class OutageLog {
    private static final Logger log = LoggerFactory.getLogger(NatsConnector.class);

    private final LongSupplier nanoClock;
    private boolean up;
    private long outageSince = -1;
    private int attempts;

    OutageLog() {
        this(System::nanoTime);
    }

    OutageLog(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    synchronized void connectionEvent(Connection conn, ConnectionListener.Events type) {
        String server = conn.getConnectedUrl() == null ? "-" : NatsSettings.redact(conn.getConnectedUrl());
        switch (type) {
            case CONNECTED -> up = true;
            case DISCONNECTED -> {
                // jnats reports failed first attempts as disconnects too; only a connection that was up is "lost".
                if (!up) {
                    return;
                }
                if (outageSince < 0) {
                    outageSince = nanoClock.getAsLong();
                    attempts = 0;
                    log.atWarn().addKeyValue("server", server)
                            .log("nats disconnected; reconnecting (logged again when the connection is back)");
                } else {
                    attempts++;
                    log.atDebug().addKeyValue("attempts", attempts).log("nats reconnect attempt failed");
                }
            }
            case RECONNECTED -> {
                long since = outageSince;
                outageSince = -1;
                Duration lasted = since < 0 ? Duration.ZERO : Duration.ofNanos(nanoClock.getAsLong() - since);
                log.atWarn().addKeyValue("server", server).addKeyValue("outage_ms", lasted.toMillis())
                        .addKeyValue("failed_attempts", attempts)
                        .log("nats reconnected after " + Math.floorDiv(lasted.toMillis(), 100) / 10.0 + " s and " + attempts
                                + " failed reconnect attempt" + (attempts == 1 ? "" : "s"));
            }
            case CLOSED -> log.atDebug().log("nats connection closed");
            default -> log.atDebug().addKeyValue("event", type).log("nats connection event");
        }
    }
}
