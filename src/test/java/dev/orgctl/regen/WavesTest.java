package dev.orgctl.regen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.Visibility;
import dev.orgctl.regen.Waves.Wave;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WavesTest {
    static List<RepositoryInfo> repos(String... names) {
        List<RepositoryInfo> out = new ArrayList<>();
        for (String n : names) {
            out.add(RegenConfigTest.repo(n, n.startsWith("t-") ? List.of("canary") : List.of(), Visibility.PRIVATE));
        }
        return out;
    }

    static List<RepositoryInfo> services(int n) {
        return repos(IntStream.range(0, n).mapToObj(i -> String.format("svc-%03d", i)).toArray(String[]::new));
    }

    static List<Wave> partition(String yaml, List<RepositoryInfo> targets) {
        RegenConfig config = RegenConfig.parse(RegenConfigTest.FILE, yaml);
        return Waves.partition(config.rollout().orElseThrow(), config, targets);
    }

    static final String THREE = "rollout:\n  waves:\n    - select: { names: [\"canary-*\"] }\n    - percent: 25\n"
            + "    - percent: 100\n";

    @Test
    void canariesFirstThenAQuarterOfTheRestThenTheRest() {
        List<RepositoryInfo> targets = new ArrayList<>(services(38));
        targets.addAll(repos("canary-api", "canary-web"));
        List<Wave> waves = partition(THREE, targets);

        assertThat(waves).extracting(Wave::label).containsExactly("names canary-*", "25% of the rest", "the rest");
        assertThat(waves.get(0).repos()).containsExactly("canary-api", "canary-web");
        assertThat(waves.get(1).repos()).hasSize(10); // ceil(25% of 38)
        assertThat(waves.get(2).repos()).hasSize(28);
        assertThat(waves.get(1).repos()).isSorted();
    }

    @Test
    void theSameTargetsGiveTheSameWavesInAnyOrder() {
        List<RepositoryInfo> targets = services(40);
        List<Wave> first = partition(THREE, targets);
        List<RepositoryInfo> shuffled = new ArrayList<>(targets);
        Collections.shuffle(shuffled, new Random(7));
        assertThat(partition(THREE, shuffled)).isEqualTo(first);
        // The hash decides, not the name's order: a quarter is not simply the first ten names.
        assertThat(first.get(0).repos()).isNotEqualTo(services(10).stream().map(RepositoryInfo::name).toList());
    }

    @Test
    void aSelectorMayNameGroupsAndWhatTheLastWaveLeavesJoinsIt() {
        String yaml = "groups:\n  canaries:\n    select: { topics: [canary] }\nrollout:\n  waves:\n"
                + "    - percent: 10\n    - select: { groups: [canaries] }\n";
        List<RepositoryInfo> targets = new ArrayList<>(services(10));
        targets.addAll(repos("t-one", "t-two"));
        List<Wave> waves = partition(yaml, targets);
        assertThat(waves).extracting(Wave::label).containsExactly("10%", "groups canaries, and the rest");
        assertThat(waves.get(0).repos()).hasSize(2); // ceil(10% of 12)
        assertThat(waves.get(0).repos().size() + waves.get(1).repos().size()).isEqualTo(12);
    }

    @Test
    void aWaveThatGetsNoRepositoryIsLeftOut() {
        List<Wave> waves = partition(THREE, services(3));
        assertThat(waves).extracting(Wave::label).containsExactly("25% of the rest", "the rest");
        assertThat(waves.get(0).repos()).hasSize(1);
        assertThat(partition(THREE, List.of())).isEmpty();
        assertThat(partition("rollout:\n  waves:\n    - percent: 100\n    - percent: 50\n", services(4)))
                .extracting(Wave::label).containsExactly("all");
    }

    @Test
    void aSingleWaveTakesEverything() {
        List<Wave> waves = partition("rollout:\n  waves:\n    - percent: 30\n", services(5));
        assertThat(waves).containsExactly(new Wave("all",
                services(5).stream().map(RepositoryInfo::name).toList()));
        assertThat(partition("rollout:\n  waves:\n    - select: { names: [svc-001] }\n", services(3)))
                .extracting(Wave::label).containsExactly("names svc-001, and the rest");
    }

    @Test
    void aNameListedTwiceIsInOneWave() {
        List<RepositoryInfo> targets = new ArrayList<>(services(4));
        targets.addAll(services(4));
        List<Wave> waves = partition(THREE, targets);
        assertThat(waves.stream().mapToInt(w -> w.repos().size()).sum()).isEqualTo(4);
    }
}
