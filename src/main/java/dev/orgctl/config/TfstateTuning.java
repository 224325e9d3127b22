package dev.orgctl.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The Terraform state backend's settings ({@code tfstate:} in {@code orgctl.yaml}; the access
 * policy {@code tfstate.policy} is read by its own reader).
 *
 * @param versions    versions kept per state
 * @param maxBytes    largest state accepted
 * @param maxInflight states held in memory at once
 * @param maxHold     a lock held longer counts as released
 * @param keyFile     the encryption keys, when states are encrypted at rest
 */
public record TfstateTuning(int versions, long maxBytes, int maxInflight, Duration maxHold, Optional<Path> keyFile) {
}
