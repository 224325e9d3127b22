package dev.orgctl.gateway;

import dev.orgctl.config.HostPort;
import dev.orgctl.config.HttpCapacity;
import dev.orgctl.config.WebhookSecrets;
import java.time.Duration;
import java.util.Objects;

/**
 * How one gateway instance behaves.
 *
 * @param address        where to listen ({@code ORGCTL_HTTP_ADDR}); port 0 picks a free one
 * @param secrets        webhook secrets; every one verifies (rotation without downtime)
 * @param insecureNoSignature accept deliveries without checking signatures (no secret configured;
 *                       for local experiments only)
 * @param maxBodyBytes   largest request body accepted (GitHub caps deliveries at 25 MiB)
 * @param natsTimeout    how long the publish of a delivery may take before it is answered 503
 *                       (100 ms to 4 s, inside GitHub's 10 s)
 * @param retryAfter     the {@code Retry-After} sent with a 503
 * @param workerThreads  threads for the blocking work: bodies over 256 KiB, readiness, metrics (a
 *                       delivery waiting for JetStream holds no thread)
 * @param shutdownGrace  how long a graceful stop waits for in-flight requests
 * @param dedupWindow    how long a delivery GUID is remembered ({@code ORGCTL_DEDUP_WINDOW}); at most
 *                       what {@code GITHUB_EVENTS} keeps, which the topology makes at least this long
 * @param capacity       connections and body bytes in memory the HTTP clients may take
 */
public record GatewaySettings(
        HostPort address,
        WebhookSecrets secrets,
        boolean insecureNoSignature,
        long maxBodyBytes,
        Duration natsTimeout,
        Duration retryAfter,
        int workerThreads,
        Duration shutdownGrace,
        Duration dedupWindow,
        HttpCapacity capacity) {

    /** GitHub's cap on a delivery's size. */
    public static final long GITHUB_MAX_BODY = 25L * 1024 * 1024;
    public static final Duration DEFAULT_NATS_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration MIN_NATS_TIMEOUT = Duration.ofMillis(100);
    public static final Duration MAX_NATS_TIMEOUT = Duration.ofSeconds(4);
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(10);
    public static final int DEFAULT_WORKER_THREADS = 32;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(15);
    public static final Duration DEFAULT_DEDUP_WINDOW = Duration.ofDays(7);

    public GatewaySettings {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(secrets, "secrets");
        if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("the body cap must be between one byte and 2 GiB");
        }
        if (natsTimeout.compareTo(MIN_NATS_TIMEOUT) < 0 || natsTimeout.compareTo(MAX_NATS_TIMEOUT) > 0) {
            throw new IllegalArgumentException("the NATS timeout must be between 100ms and 4s: GitHub waits 10s "
                    + "for the answer");
        }
        Objects.requireNonNull(dedupWindow, "dedupWindow");
        Objects.requireNonNull(capacity, "capacity");
        if (dedupWindow.isNegative() || dedupWindow.isZero()) {
            throw new IllegalArgumentException("the de-duplication window must be positive");
        }
        if (workerThreads < 1) {
            throw new IllegalArgumentException("at least one worker thread is needed");
        }
    }

    /** Defaults for everything but the address and the secrets. */
    public static GatewaySettings defaults(HostPort address, WebhookSecrets secrets) {
        return new GatewaySettings(address, secrets, false, GITHUB_MAX_BODY, DEFAULT_NATS_TIMEOUT,
                DEFAULT_RETRY_AFTER, DEFAULT_WORKER_THREADS, DEFAULT_SHUTDOWN_GRACE, DEFAULT_DEDUP_WINDOW,
                HttpCapacity.DEFAULTS);
    }

    public GatewaySettings withDedupWindow(Duration window) {
        return new GatewaySettings(address, secrets, insecureNoSignature, maxBodyBytes, natsTimeout, retryAfter,
                workerThreads, shutdownGrace, window, capacity);
    }

    public GatewaySettings withInsecureNoSignature(boolean insecure) {
        return new GatewaySettings(address, secrets, insecure, maxBodyBytes, natsTimeout, retryAfter, workerThreads,
                shutdownGrace, dedupWindow, capacity);
    }

    public GatewaySettings withMaxBodyBytes(long bytes) {
        return new GatewaySettings(address, secrets, insecureNoSignature, bytes, natsTimeout, retryAfter,
                workerThreads, shutdownGrace, dedupWindow, capacity);
    }

    public GatewaySettings withNatsTimeout(Duration timeout) {
        return new GatewaySettings(address, secrets, insecureNoSignature, maxBodyBytes, timeout, retryAfter,
                workerThreads, shutdownGrace, dedupWindow, capacity);
    }

    public GatewaySettings withWorkerThreads(int threads) {
        return new GatewaySettings(address, secrets, insecureNoSignature, maxBodyBytes, natsTimeout, retryAfter,
                threads, shutdownGrace, dedupWindow, capacity);
    }

    public GatewaySettings withShutdownGrace(Duration grace) {
        return new GatewaySettings(address, secrets, insecureNoSignature, maxBodyBytes, natsTimeout, retryAfter,
                workerThreads, grace, dedupWindow, capacity);
    }

    public GatewaySettings withCapacity(HttpCapacity c) {
        return new GatewaySettings(address, secrets, insecureNoSignature, maxBodyBytes, natsTimeout, retryAfter,
                workerThreads, shutdownGrace, dedupWindow, c);
    }

    /**
     * Refuses a gateway that would accept anything: no secret and no explicit opt-out.
     *
     * @throws dev.orgctl.config.ConfigException naming the setting to set
     */
    public void requireVerification() {
        if (secrets.none() && !insecureNoSignature) {
            throw new dev.orgctl.config.ConfigException("the gateway needs a webhook secret: set "
                    + dev.orgctl.config.Setting.GITHUB_WEBHOOK_SECRET.displayName()
                    + ", or pass --insecure-no-signature to accept unsigned deliveries (never on a public address)");
        }
    }
}
