package dev.orgctl.regen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.Visibility;
import dev.orgctl.regen.RolloutConfig.WaveSpec;
import dev.orgctl.regen.Waves.Wave;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.constraints.UniqueElements;

/** Every target is in exactly one wave, whatever the waves; percent waves are stable. */
class WavesProperties {
    private static final RegenConfig CONFIG = RegenConfig.parse(RegenConfigTest.FILE,
            "groups:\n  canaries:\n    select: { topics: [canary] }\n");

    @Provide
    Arbitrary<RolloutConfig> rollouts() {
        Arbitrary<WaveSpec> percent = Arbitraries.integers().between(1, 100).map(WaveSpec.Percent::new);
        Arbitrary<WaveSpec> names = Arbitraries.of("a*", "*b*", "c?", "zzz").map(g -> WaveSpec.Select.of(
                new Selector(List.of(Glob.of(g)), List.of(), List.of(), List.of(), List.of())));
        Arbitrary<WaveSpec> group = Arbitraries.just(WaveSpec.Select.of(
                new Selector(List.of(), List.of(), List.of(), List.of("canaries"), List.of())));
        Arbitrary<WaveSpec> wave = Arbitraries.frequencyOf(
                Tuple.of(3, percent), Tuple.of(2, names), Tuple.of(1, group));
        return wave.list().ofMinSize(1).ofMaxSize(5).map(w -> new RolloutConfig(w, RolloutConfig.Gate.DEFAULT));
    }

    @Provide
    Arbitrary<List<RepositoryInfo>> targets() {
        Arbitrary<RepositoryInfo> repo = Combinators.combine(
                Arbitraries.strings().withChars("abcz").ofMinLength(1).ofMaxLength(4),
                Arbitraries.of(List.<String>of(), List.of("canary"))).as((n, t) -> RegenConfigTest.repo(n, t,
                        Visibility.PRIVATE));
        return repo.list().ofMaxSize(60);
    }

    @Property(tries = 400)
    void everyTargetIsInExactlyOneWave(@ForAll("rollouts") RolloutConfig rollout,
                                       @ForAll("targets") List<RepositoryInfo> targets) {
        List<Wave> waves = Waves.partition(rollout, CONFIG, targets);
        List<String> placed = new ArrayList<>();
        waves.forEach(w -> placed.addAll(w.repos()));
        Set<String> names = new TreeSet<>();
        targets.forEach(t -> names.add(t.name()));
        assertThat(placed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(names);
        assertThat(waves).allSatisfy(w -> assertThat(w.repos()).isNotEmpty().isSorted());
        assertThat(waves.size()).isLessThanOrEqualTo(rollout.waves().size());
    }

    @Property(tries = 300)
    void addingOneRepositoryMovesOthersAtMostOneWaveAndOnlyAtTheEdges(
            @ForAll @Size(min = 1, max = 5) List<@IntRange(min = 1, max = 100) Integer> percents,
            @ForAll @Size(max = 80) @UniqueElements List<@AlphaChars @StringLength(min = 1, max = 8) String> names,
            @ForAll @AlphaChars @StringLength(min = 9, max = 9) String added) {
        RolloutConfig rollout = new RolloutConfig(percents.stream().map(p -> (WaveSpec) new WaveSpec.Percent(p))
                .toList(), RolloutConfig.Gate.DEFAULT);
        List<RepositoryInfo> before = names.stream().map(n -> RegenConfigTest.repo(n, List.of(), Visibility.PUBLIC))
                .toList();
        List<RepositoryInfo> after = new ArrayList<>(before);
        after.add(RegenConfigTest.repo(added, List.of(), Visibility.PUBLIC));

        Map<String, Integer> was = waveOf(Waves.assign(rollout, CONFIG, before));
        Map<String, Integer> is = waveOf(Waves.assign(rollout, CONFIG, after));
        int moved = 0;
        for (String n : names) {
            int d = Math.abs(is.get(n) - was.get(n));
            assertThat(d).as(n).isLessThanOrEqualTo(1);
            moved += d;
        }
        assertThat(moved).isLessThanOrEqualTo(percents.size() - 1);
    }

    private static Map<String, Integer> waveOf(List<Wave> waves) {
        Map<String, Integer> out = new HashMap<>();
        for (int i = 0; i < waves.size(); i++) {
            for (String r : waves.get(i).repos()) {
                out.put(r, i);
            }
        }
        return out;
    }
}
