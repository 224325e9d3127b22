package dev.orgctl.bootstrap;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** The last recorded result of every stage. */
public record BootstrapState(Map<StageName, StageResult> results) {
    public BootstrapState {
        EnumMap<StageName, StageResult> copy = new EnumMap<>(StageName.class);
        copy.putAll(results);
        results = Collections.unmodifiableMap(copy);
    }

    public static BootstrapState empty() {
        return new BootstrapState(Map.of());
    }

    public Optional<StageResult> result(StageName stage) {
        return Optional.ofNullable(results.get(stage));
    }

    public boolean complete(StageName stage) {
        return result(stage).map(r -> r.status().complete()).orElse(false);
    }

    public BootstrapState with(StageResult r) {
        EnumMap<StageName, StageResult> next = new EnumMap<>(StageName.class);
        next.putAll(results);
        next.put(r.stage(), r);
        return new BootstrapState(next);
    }
}
