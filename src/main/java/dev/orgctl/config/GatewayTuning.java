package dev.orgctl.config;

import java.time.Duration;

/**
 * The gateway's own settings, shared by {@code orgctl up} and {@code orgctl gateway}; the address,
 * secrets, de-duplication window and capacity are the shared settings of {@link OrgctlConfig}.
 *
 * @param insecureNoSignature accept unsigned deliveries (local experiments without a secret)
 * @param maxBodyBytes        largest delivery accepted
 * @param natsTimeout         how long one JetStream call of a delivery may take before a 503
 * @param httpThreads         threads for the gateway's blocking work
 * @param shutdownGrace       how long in-flight requests may take to finish on stop
 */
public record GatewayTuning(boolean insecureNoSignature, long maxBodyBytes, Duration natsTimeout, int httpThreads,
                            Duration shutdownGrace) {
}
