package dev.orgctl.regen;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Who runs a regeneration, carried into the commit's trailers: the run id
 * ({@code Orgctl-Run-Id}), the fencing token of the lock held while committing
 * ({@code Orgctl-Fence}), and any further trailers the controller wants recorded (for example
 * {@code Orgctl-Causation}).
 */
public record RunContext(String runId, Optional<Fence> fence, Map<String, String> extraTrailers) {
    private static final Pattern KEY = Pattern.compile("[A-Za-z][A-Za-z0-9-]*");

    public RunContext {
        checkValue("run id", runId);
        java.util.Objects.requireNonNull(fence, "fence");
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : extraTrailers.entrySet()) {
            if (!KEY.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("not a trailer key: '" + e.getKey() + "'");
            }
            checkValue(e.getKey(), e.getValue());
            copy.put(e.getKey(), e.getValue());
        }
        extraTrailers = java.util.Collections.unmodifiableMap(copy);
    }

    public static RunContext of(String runId) {
        return new RunContext(runId, Optional.empty(), Map.of());
    }

    /** A run with a fresh random id, for runs started by a person ({@code orgctl regen apply}). */
    public static RunContext random() {
        return of("run-" + UUID.randomUUID());
    }

    /** Runs under a lock taken at {@code since} with fencing token {@code token} (see {@link Fence}). */
    public RunContext withFence(long token, java.time.Instant since) {
        return new RunContext(runId, Optional.of(new Fence(token, since)), extraTrailers);
    }

    public RunContext withTrailer(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(extraTrailers);
        m.put(key, value);
        return new RunContext(runId, fence, m);
    }

    private static void checkValue(String what, String v) {
        if (v == null || v.isBlank() || v.contains("\n") || v.contains("\r")) {
            throw new IllegalArgumentException(what + " must be one non-blank line");
        }
    }
}
