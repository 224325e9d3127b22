package dev.orgctl.config;

import java.time.Duration;

/**
 * The controller's retry policy as configured ({@code controller.retry.*}): attempts before the
 * DLQ, and an exponential backoff from {@code initial} to {@code max}, shortened at random by up
 * to {@code jitter} of itself.
 */
public record RetrySettings(int maxAttempts, Duration initial, Duration max, double jitter) {
}
