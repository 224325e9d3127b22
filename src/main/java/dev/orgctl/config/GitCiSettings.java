package dev.orgctl.config;

import java.time.Duration;

/**
 * The git backend's simulated CI (docs/git-backend.md, "Simulated CI"), a setting of {@code up}.
 *
 * @param enabled  run repositories' {@code .orgctl/ci} at all (ignored with the github backend)
 * @param timeout  how long one run may take before it is killed
 * @param parallel runs at once
 */
public record GitCiSettings(boolean enabled, Duration timeout, int parallel) {
}
