package dev.orgctl.regen;

import dev.orgctl.config.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code orgctl.yaml} {@code rollout} block: a template change reaches the org in waves, each
 * gated by the CI results of orgctl's commits. Without the block a change reaches every target at
 * once. Schema and defaults: docs/rollout.md.
 *
 * <p>{@code waves} is required (at least one wave); {@code gate} and each of its keys are optional
 * ({@link Gate#DEFAULT}).
 */
public record RolloutConfig(List<WaveSpec> waves, Gate gate) {
    static final String KEY = "rollout";

    public RolloutConfig {
        waves = List.copyOf(waves);
    }

    /** How one wave picks its repositories among the targets no earlier wave took. */
    public sealed interface WaveSpec permits WaveSpec.Select, WaveSpec.Percent {
        /** The repositories a selector matches (as in a set's {@code targets}). */
        record Select(Selector selector, String label) implements WaveSpec {
            /** The selector, labelled in words: "names canary-*", "topics canary; excluding canary-old". */
            public static Select of(Selector s) {
                List<String> parts = new ArrayList<>();
                if (!s.names().isEmpty()) {
                    parts.add("names " + String.join(", ", s.names().stream().map(Glob::pattern).toList()));
                }
                if (!s.topics().isEmpty()) {
                    parts.add("topics " + String.join(", ", s.topics()));
                }
                if (!s.visibility().isEmpty()) {
                    parts.add("visibility " + String.join(", ", s.visibility().stream()
                            .map(v -> v.name().toLowerCase(Locale.ROOT)).toList()));
                }
                if (!s.groups().isEmpty()) {
                    parts.add("groups " + String.join(", ", s.groups()));
                }
                if (!s.exclude().isEmpty()) {
                    parts.add("excluding " + String.join(", ", s.exclude().stream().map(Glob::pattern).toList()));
                }
                return new Select(s, parts.isEmpty() ? "all" : String.join("; ", parts));
            }
        }

        /** A share of the remaining targets, chosen stably by a hash of the repository's name. */
        record Percent(int percent) implements WaveSpec {
        }
    }

    /** Failed CI conclusions a wave tolerates: a count, or a percentage of the wave's repositories. */
    public record FailureBudget(int value, boolean percent) {
        public static final FailureBudget NONE = new FailureBudget(0, false);

        private static final Pattern SPELLING = Pattern.compile("(\\d{1,9})(%?)");

        /** Whether {@code failures} of a wave of {@code size} repositories are more than tolerated. */
        public boolean exceeded(int failures, int size) {
            if (!percent) {
                return failures > value;
            }
            return failures * 100L > (long) value * size;
        }

        /** As written in {@code orgctl.yaml}: {@code 0}, {@code 3}, {@code 10%}. */
        @Override
        public String toString() {
            return value + (percent ? "%" : "");
        }

        /** A count (0 or more) or a percentage ({@code 0%} to {@code 100%}). */
        static FailureBudget parse(Object value) {
            if (value instanceof Long n && n >= 0 && n <= Integer.MAX_VALUE) {
                return new FailureBudget(n.intValue(), false);
            }
            Matcher m = value instanceof String s ? SPELLING.matcher(s.trim()) : null;
            if (m != null && m.matches()) {
                boolean share = !m.group(2).isEmpty();
                int n = Integer.parseInt(m.group(1));
                if (!share || n <= 100) {
                    return new FailureBudget(n, share);
                }
            }
            throw new IllegalArgumentException("'" + value + "' is not a number of failures: expected a count "
                    + "(0 or more) or a percentage of the wave (0% to 100%)");
        }
    }

    public enum OnTimeout {
        /** Commits whose CI has not concluded by the deadline count as passed. */
        PROCEED,
        /** The rollout pauses, naming the commits without a result. */
        PAUSE;

        /** The spelling in {@code orgctl.yaml}. */
        public String yamlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static OnTimeout parse(String s) {
            for (OnTimeout o : values()) {
                if (o.yamlName().equals(s)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("unknown on_timeout '" + s + "': expected proceed or pause");
        }
    }

    /**
     * @param waitFor     how long after a wave's runs ended its commits' CI results are awaited
     * @param maxFailures failed conclusions tolerated per wave
     * @param onTimeout   what a wave whose CI has not concluded by then does
     */
    public record Gate(Duration waitFor, FailureBudget maxFailures, OnTimeout onTimeout) {
        public static final Gate DEFAULT = new Gate(Duration.ofMinutes(10), FailureBudget.NONE, OnTimeout.PROCEED);
    }

    // ---------------------------------------------------------------------------------------------
    // Parsing: errors name the file, the line and the key, like the rest of orgctl.yaml.

    /**
     * Reads a {@code rollout} block. Required: {@code waves}, a non-empty list whose every item has
     * exactly one of {@code select} (a selector, as a set's {@code targets}) or {@code percent}
     * (1 to 100). Optional: {@code gate} and each of its keys: {@code wait} (a duration, default
     * 10m), {@code max_failures} (a count or {@code N%}, default 0), {@code on_timeout}
     * ({@code proceed}, the default, or {@code pause}).
     *
     * @param groupNames the groups {@code orgctl.yaml} declares (a {@code select} may name them)
     */
    static RolloutConfig read(RegenConfig.Reader r, YamlTree.Node node, Set<String> groupNames) {
        String needsWaves = "needs 'waves', a list of waves (leave 'rollout' out to reach every repository at once)";
        if (node instanceof YamlTree.Scalar s && s.value() == null) {
            throw r.error(node, KEY, needsWaves);
        }
        Map<String, YamlTree.Field> f = r.map(node, KEY, "waves", "gate").fields();
        if (!f.containsKey("waves")) {
            throw r.error(node, KEY, needsWaves);
        }
        YamlTree.Node wavesNode = f.get("waves").value();
        if (!(wavesNode instanceof YamlTree.ListNode list) || list.items().isEmpty()) {
            throw r.error(wavesNode, KEY + ".waves", "expected a list of at least one wave, each "
                    + "'select: <selector>' or 'percent: <1 to 100>'");
        }
        List<WaveSpec> waves = new ArrayList<>();
        for (int i = 0; i < list.items().size(); i++) {
            waves.add(wave(r, list.items().get(i), KEY + ".waves[" + i + "]", groupNames));
        }
        Gate gate = f.containsKey("gate") ? gate(r, f.get("gate").value(), KEY + ".gate") : Gate.DEFAULT;
        return new RolloutConfig(waves, gate);
    }

    private static WaveSpec wave(RegenConfig.Reader r, YamlTree.Node n, String key, Set<String> groupNames) {
        Map<String, YamlTree.Field> f = r.map(n, key, "select", "percent").fields();
        if (f.containsKey("select") == f.containsKey("percent")) {
            throw r.error(n, key, "a wave has exactly one of 'select' (a selector) or 'percent' (of the remaining "
                    + "targets)");
        }
        if (f.containsKey("select")) {
            return WaveSpec.Select.of(r.selector(f.get("select").value(), key + ".select", true, groupNames));
        }
        YamlTree.Node p = f.get("percent").value();
        if (p instanceof YamlTree.Scalar s && s.value() instanceof Long v && v >= 1 && v <= 100) {
            return new WaveSpec.Percent(v.intValue());
        }
        throw r.error(p, key + ".percent", "expected a whole number from 1 to 100 (a share of the targets no "
                + "earlier wave took), not '" + p.toJava() + "'");
    }

    private static Gate gate(RegenConfig.Reader r, YamlTree.Node n, String key) {
        if (n instanceof YamlTree.Scalar s && s.value() == null) {
            return Gate.DEFAULT;
        }
        Map<String, YamlTree.Field> f = r.map(n, key, "wait", "max_failures", "on_timeout").fields();
        Duration wait = Gate.DEFAULT.waitFor();
        if (f.containsKey("wait")) {
            YamlTree.Node w = f.get("wait").value();
            try {
                wait = Durations.parse(r.string(w, key + ".wait"));
            } catch (IllegalArgumentException e) {
                throw r.error(w, key + ".wait", e.getMessage());
            }
        }
        FailureBudget budget = Gate.DEFAULT.maxFailures();
        if (f.containsKey("max_failures")) {
            YamlTree.Node m = f.get("max_failures").value();
            try {
                budget = FailureBudget.parse(m.toJava());
            } catch (IllegalArgumentException e) {
                throw r.error(m, key + ".max_failures", e.getMessage());
            }
        }
        OnTimeout onTimeout = f.containsKey("on_timeout")
                ? r.parseEnum(f.get("on_timeout").value(), key + ".on_timeout", OnTimeout::parse)
                : Gate.DEFAULT.onTimeout();
        return new Gate(wait, budget, onTimeout);
    }
}
