package dev.orgctl.cli;

import dev.orgctl.config.Durations;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.config.Sizes;
import dev.orgctl.gateway.GatewaySettings;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The gateway's own flags, shared by {@code orgctl gateway} and {@code orgctl up}. */
public final class GatewayOptions {

    @Option(names = "--insecure-no-signature",
            description = "accept deliveries without verifying their signature; only for local experiments "
                    + "when no webhook secret is configured (a warning is logged at start)")
    boolean insecureNoSignature;

    @Option(names = "--max-body", paramLabel = "SIZE", defaultValue = "25MiB",
            description = "largest delivery accepted, e.g. 25MiB, 512KiB (default: ${DEFAULT-VALUE}, GitHub's cap); "
                    + "larger ones get 413 without being read")
    String maxBody;

    @Option(names = "--nats-timeout", paramLabel = "DURATION", defaultValue = "2s",
            description = "how long one JetStream call of a delivery may take before it is answered 503 "
                    + "(default: ${DEFAULT-VALUE}; GitHub waits 10s for the whole answer)")
    String natsTimeout;

    @Option(names = "--http-threads", paramLabel = "N", defaultValue = "32",
            description = "threads for the gateway's blocking work: bodies over 256 KiB, repeats, readiness, "
                    + "metrics; a delivery waiting for JetStream holds none (default: ${DEFAULT-VALUE})")
    int httpThreads;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION", defaultValue = "15s",
            description = "on stop, how long in-flight requests may take to finish (default: ${DEFAULT-VALUE})")
    String shutdownGrace;

    /** The gateway settings from these flags and the configuration; a bad flag is a one-line error, exit 2. */
    public GatewaySettings settings(OrgctlConfig config) {
        long bytes = parseSize(maxBody);
        Duration timeout = duration("--nats-timeout", natsTimeout);
        Duration grace = duration("--shutdown-grace", shutdownGrace);
        if (httpThreads < 1 || httpThreads > 1024) {
            throw new CommandFailure("--http-threads must be 1-1024, got " + httpThreads, Main.EXIT_CONFIG);
        }
        try {
            return GatewaySettings.defaults(config.httpAddr(), config.webhookSecrets())
                    .withInsecureNoSignature(insecureNoSignature)
                    .withMaxBodyBytes(bytes)
                    .withNatsTimeout(timeout)
                    .withWorkerThreads(httpThreads)
                    .withShutdownGrace(grace)
                    .withDedupWindow(config.dedupWindow())
                    .withCapacity(config.httpCapacity());
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("--nats-timeout: " + e.getMessage(), Main.EXIT_CONFIG);
        }
    }

    static long parseSize(String text) {
        long bytes;
        try {
            bytes = Sizes.parse(text);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CommandFailure("--max-body: '" + text + "' is not a size; use a number and B, KiB or MiB "
                    + "(for example 25MiB)", Main.EXIT_CONFIG);
        }
        if (bytes < 1 || bytes > Integer.MAX_VALUE - 16) {
            throw new CommandFailure("--max-body must be between 1 byte and 2 GiB, got " + text, Main.EXIT_CONFIG);
        }
        return bytes;
    }

    private static Duration duration(String flag, String text) {
        try {
            Duration d = Durations.parse(text);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("'" + text + "' must be greater than zero");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(flag + ": " + e.getMessage(), Main.EXIT_CONFIG);
        }
    }
}
