package dev.orgctl.regen;

import dev.orgctl.hosts.RepositoryInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a rollout's target repositories into its waves (docs/rollout.md): each wave takes, from
 * the targets no earlier wave took, those its selector matches or its share of them chosen stably
 * by a hash of the name; whatever the last wave leaves joins it. Every target is in exactly one wave.
 *
 * <p>Stability of a {@code percent} wave: the remaining targets are ordered by the first 8 bytes of
 * the SHA-256 of their name, and the wave takes the first ceil(p% of them). The order of two
 * repositories never depends on the others, so the same targets always give the same waves (in any
 * input order), and adding or removing one unrelated repository moves another one by at most one
 * wave, and only at a wave's edge (at most one repository per edge). {@code select} waves depend on
 * the repository alone.
 */
public final class Waves {
    private static final int HASH_BYTES = 8;

    private Waves() {
    }

    /** One wave: how it was chosen, in words, and its repositories' names (sorted). */
    public record Wave(String label, List<String> repos) {
        public Wave {
            repos = List.copyOf(repos);
        }
    }

    /**
     * The waves with at least one repository, in the configured order. A configured wave that gets
     * no repository (its selector matches none of the remaining targets, or nothing remains) is left
     * out, so the rollout's waves are numbered without it.
     *
     * @param config  the templates' configuration (groups a selector may name)
     * @param targets the repositories the rollout reaches (a name listed twice counts once)
     */
    public static List<Wave> partition(RolloutConfig rollout, RegenConfig config, List<RepositoryInfo> targets) {
        List<Wave> all = assign(rollout, config, targets);
        return all.stream().filter(w -> !w.repos().isEmpty()).toList();
    }

    /** One wave per configured wave, empty ones included, in order. */
    static List<Wave> assign(RolloutConfig rollout, RegenConfig config, List<RepositoryInfo> targets) {
        Map<String, RepositoryInfo> remaining = new LinkedHashMap<>();
        targets.forEach(t -> remaining.putIfAbsent(t.name(), t));
        Map<String, Long> hashes = new HashMap<>();
        remaining.keySet().forEach(n -> hashes.put(n, hash(n)));
        Comparator<String> stable = Comparator.<String, Long>comparing(hashes::get, Long::compareUnsigned)
                .thenComparing(Comparator.naturalOrder());
        List<RolloutConfig.WaveSpec> specs = rollout.waves();
        List<Wave> out = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            boolean first = i == 0;
            List<String> taken;
            String label;
            RolloutConfig.WaveSpec spec = specs.get(i);
            if (spec instanceof RolloutConfig.WaveSpec.Select s) {
                taken = remaining.values().stream()
                        .filter(r -> s.selector().matches(r, config.groupsOf(r))).map(RepositoryInfo::name).toList();
                label = s.label();
            } else {
                int percent = ((RolloutConfig.WaveSpec.Percent) spec).percent();
                int count = (int) ((remaining.size() * (long) percent + 99) / 100);
                taken = remaining.keySet().stream().sorted(stable).limit(count).toList();
                label = percent == 100 ? (first ? "all" : "the rest")
                        : percent + "%" + (first ? "" : " of the rest");
            }
            taken.forEach(remaining::remove);
            List<String> repos = new ArrayList<>(taken);
            if (i == specs.size() - 1 && !remaining.isEmpty()) {
                // The last wave takes what every wave left: a rollout reaches all its targets.
                repos.addAll(remaining.keySet());
                remaining.clear();
                label = spec instanceof RolloutConfig.WaveSpec.Percent ? (first ? "all" : "the rest")
                        : label + ", and the rest";
            }
            out.add(new Wave(label, repos.stream().sorted().toList()));
        }
        return out;
    }

    /** Orders a percent wave's candidates (unsigned; equal hashes by name): the first 8 bytes of SHA-256. */
    static long hash(String name) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d, 0, HASH_BYTES).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
