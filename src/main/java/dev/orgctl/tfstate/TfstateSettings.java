package dev.orgctl.tfstate;

import dev.orgctl.config.TfstateTuning;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the state backend behaves ({@code tfstate.*} in {@code orgctl.yaml}; docs/terraform-state.md).
 *
 * @param versions    versions kept per state ({@code tfstate.versions})
 * @param maxBytes    largest state (request body) accepted ({@code tfstate.max_bytes}); beyond it 413
 * @param maxInflight state bodies held in memory at once, writes and reads ({@code tfstate.max_inflight});
 *                    beyond it 503 with Retry-After
 * @param maxHold     a lock held longer counts as released ({@code tfstate.max_hold})
 * @param keys        the encryption keys ({@code tfstate.key_file}); empty stores states as sent
 */
public record TfstateSettings(int versions, long maxBytes, int maxInflight, Duration maxHold, Optional<StateKeys> keys) {
    public static final int DEFAULT_VERSIONS = 50;
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
    public static final int DEFAULT_MAX_INFLIGHT = 4;
    public static final Duration DEFAULT_MAX_HOLD = Duration.ofHours(2);
    /** A LockInfo is a few hundred bytes; this bounds what LOCK and UNLOCK read. */
    public static final int MAX_LOCK_INFO_BYTES = 64 * 1024;

    public TfstateSettings {
        Objects.requireNonNull(maxHold, "maxHold");
        Objects.requireNonNull(keys, "keys");
        if (versions < 1) {
            throw new IllegalArgumentException("tfstate.versions must be at least 1");
        }
        if (maxBytes < 1 || maxBytes > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("tfstate.max_bytes must be between 1 byte and 2 GiB");
        }
        if (maxInflight < 1) {
            throw new IllegalArgumentException("tfstate.max_inflight must be at least 1");
        }
        if (maxHold.isNegative() || maxHold.isZero()) {
            throw new IllegalArgumentException("tfstate.max_hold must be positive");
        }
    }

    /** The settings of a resolved configuration; the key file is read here (a bad line is a config error). */
    public static TfstateSettings from(TfstateTuning t) {
        return new TfstateSettings(t.versions(), t.maxBytes(), t.maxInflight(), t.maxHold(),
                t.keyFile().map(StateKeys::read));
    }

    public static TfstateSettings defaults() {
        return new TfstateSettings(DEFAULT_VERSIONS, DEFAULT_MAX_BYTES, DEFAULT_MAX_INFLIGHT, DEFAULT_MAX_HOLD,
                Optional.empty());
    }
}
