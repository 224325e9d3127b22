package dev.orgctl.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Waits for JetStream to answer before a command or service starts its work. A cluster that has
 * just started (or lost its meta leader) answers "system temporarily unavailable" (10008) or not
 * at all for some seconds; failing at once there would make every start of a cluster a race. The
 * wait is bounded and visible: a progress line every {@link #PROGRESS_EVERY}, then one error naming
 * the servers that did not answer.
 */
public final class JetStreamReadiness {
    /** {@code JSClusterNotAvailErr}: "JetStream system temporarily unavailable" (no meta leader yet). */
    public static final int JS_CLUSTER_NOT_AVAILABLE = 10008;
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);
    private static final Duration POLL = Duration.ofMillis(250);

    private final Connection connection;
    private final JetStreamOptions options;
    private final List<String> servers;
    private final Consumer<String> progress;
    private final LongSupplier nanoTime;

    public JetStreamReadiness(Connection connection, JetStreamOptions options, List<String> redactedServers,
                              Consumer<String> progress) {
        this(connection, options, redactedServers, progress, System::nanoTime);
    }

    JetStreamReadiness(Connection connection, JetStreamOptions options, List<String> redactedServers,
                       Consumer<String> progress, LongSupplier nanoTime) {
        this.connection = connection;
        // One probe waits no longer than one progress interval, so the progress line comes on time
        // even when the server does not answer at all.
        this.options = JetStreamOptions.builder(options).requestTimeout(PROGRESS_EVERY).build();
        this.servers = List.copyOf(redactedServers);
        this.progress = progress;
        this.nanoTime = nanoTime;
    }

    /**
     * Returns once JetStream answers account info; waits through "temporarily unavailable" and
     * timeouts for at most {@code wait}. Any other refusal (JetStream off for the account, no
     * permission) fails at once: waiting would not change it.
     */
    public void await(Duration wait) {
        long start = nanoTime.getAsLong();
        long nextProgress = start + PROGRESS_EVERY.toNanos();
        while (true) {
            String why;
            try {
                connection.jetStreamManagement(options).getAccountStatistics();
                return;
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() != JS_CLUSTER_NOT_AVAILABLE) {
                    throw new NatsUnavailableException("JetStream at " + String.join(",", servers) + " refused: "
                            + e.getMessage(), e);
                }
                why = "meta leader election";
            } catch (IOException e) {
                why = "no answer: " + String.valueOf(e.getMessage());
            }
            long now = nanoTime.getAsLong();
            long waited = now - start;
            if (waited >= wait.toNanos()) {
                throw new NatsUnavailableException("JetStream at " + String.join(",", servers) + " did not answer "
                        + "within " + wait.toSeconds() + "s (" + why + "); is a majority of the cluster up? Raise "
                        + "--nats-wait (ORGCTL_NATS_WAIT) to wait longer", null);
            }
            if (now >= nextProgress) {
                progress.accept("waiting for JetStream (" + why + ") ... " + Duration.ofNanos(waited).toSeconds() + "s");
                nextProgress = now + PROGRESS_EVERY.toNanos();
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NatsUnavailableException("interrupted while waiting for JetStream", e);
            }
        }
    }
}
