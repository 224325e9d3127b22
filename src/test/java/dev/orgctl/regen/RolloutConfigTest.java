package dev.orgctl.regen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.hosts.Visibility;
import dev.orgctl.regen.RolloutConfig.FailureBudget;
import dev.orgctl.regen.RolloutConfig.Gate;
import dev.orgctl.regen.RolloutConfig.OnTimeout;
import dev.orgctl.regen.RolloutConfig.WaveSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RolloutConfigTest {
    static final String FILE = RegenConfigTest.FILE;

    static final String YAML = String.join("\n",
            "groups:",
            "  canaries:",
            "    select: { topics: [canary] }",
            "rollout:",
            "  waves:",
            "    - select: { names: [\"canary-*\"] }",
            "    - select: { groups: [canaries], exclude: [\"*-old\"] }",
            "    - percent: 25",
            "    - percent: 100",
            "  gate:",
            "    wait: 15m",
            "    max_failures: 10%",
            "    on_timeout: pause",
            "");

    static RolloutConfig parse(String yaml) {
        return RegenConfig.parse(FILE, yaml).rollout().orElseThrow();
    }

    @Test
    void parsesTheDocumentedExample() {
        RolloutConfig c = parse(YAML);
        assertThat(c.waves()).hasSize(4);
        WaveSpec.Select canary = (WaveSpec.Select) c.waves().get(0);
        assertThat(canary.label()).isEqualTo("names canary-*");
        assertThat(canary.selector().matches(RegenConfigTest.repo("canary-api", List.of(), Visibility.PRIVATE),
                Set.of())).isTrue();
        assertThat(((WaveSpec.Select) c.waves().get(1)).label()).isEqualTo("groups canaries; excluding *-old");
        assertThat(c.waves().subList(2, 4)).containsExactly(new WaveSpec.Percent(25), new WaveSpec.Percent(100));
        assertThat(c.gate()).isEqualTo(new Gate(Duration.ofMinutes(15), new FailureBudget(10, true), OnTimeout.PAUSE));
    }

    @Test
    void theExampleOfTheDocsParsesToTheDefaultsItClaims() throws IOException {
        String doc = Files.readString(Path.of("docs", "rollout.md"));
        int start = doc.indexOf("```yaml\n") + "```yaml\n".length();
        RolloutConfig c = parse(doc.substring(start, doc.indexOf("```", start)));
        assertThat(c.waves()).hasSize(3);
        assertThat(c.gate()).isEqualTo(Gate.DEFAULT);
    }

    @Test
    void withoutTheBlockThereIsNoRolloutAndTheGateHasDefaults() {
        assertThat(RegenConfig.parse(FILE, "mode: direct\n").rollout()).isEmpty();
        assertThat(RegenConfig.defaults().rollout()).isEmpty();
        RolloutConfig single = parse("rollout:\n  waves:\n    - percent: 100\n");
        assertThat(single.waves()).containsExactly(new WaveSpec.Percent(100));
        assertThat(single.gate()).isEqualTo(Gate.DEFAULT)
                .isEqualTo(new Gate(Duration.ofMinutes(10), FailureBudget.NONE, OnTimeout.PROCEED));
        assertThat(parse("rollout:\n  waves: [{percent: 5}]\n  gate: {}\n").gate()).isEqualTo(Gate.DEFAULT);
        assertThat(parse("rollout:\n  waves: [{percent: 5}]\n  gate: { max_failures: 2 }\n").gate())
                .isEqualTo(new Gate(Duration.ofMinutes(10), new FailureBudget(2, false), OnTimeout.PROCEED));
        assertThat(parse("rollout:\n  waves: [{select: all}]\n").waves().get(0))
                .isEqualTo(new WaveSpec.Select(Selector.ALL, "all"));
    }

    @Test
    void theFailureBudgetCountsOrTakesAShareOfTheWave() {
        assertThat(FailureBudget.NONE.exceeded(0, 10)).isFalse();
        assertThat(FailureBudget.NONE.exceeded(1, 10)).isTrue();
        FailureBudget tenPercent = new FailureBudget(10, true);
        assertThat(tenPercent.exceeded(1, 10)).isFalse();
        assertThat(tenPercent.exceeded(2, 10)).isTrue();
        assertThat(tenPercent.exceeded(1, 9)).isTrue(); // 1 of 9 is more than 10%
        assertThat(tenPercent).hasToString("10%");
        assertThat(FailureBudget.parse("3")).isEqualTo(new FailureBudget(3, false)); // quoted in YAML
        assertThat(FailureBudget.parse(" 0% ")).isEqualTo(new FailureBudget(0, true));
    }

    @Test
    void errorsNameTheFileTheLineAndTheKey() {
        String waves = "rollout:\n  waves:\n    - percent: 100\n";
        assertError("rollout:\n  wave: []\n", "line 2: rollout: unknown key 'wave' (expected waves, gate)");
        assertError("rollout: {}\n", "line 1: rollout: needs 'waves', a list of waves (leave 'rollout' out to "
                + "reach every repository at once)");
        assertError("rollout:\n", "line 1: rollout: needs 'waves'");
        assertError("rollout:\n  waves: []\n", "line 2: rollout.waves: expected a list of at least one wave");
        assertError("rollout:\n  waves: {percent: 5}\n", "line 2: rollout.waves: expected a list");
        assertError("rollout:\n  waves:\n    - percent: 10\n    - {percent: 10, select: all}\n",
                "line 4: rollout.waves[1]: a wave has exactly one of 'select' (a selector) or 'percent'");
        assertError("rollout:\n  waves:\n    - {}\n", "line 3: rollout.waves[0]: a wave has exactly one of");
        assertError("rollout:\n  waves:\n    - precent: 10\n",
                "line 3: rollout.waves[0]: unknown key 'precent' (expected select, percent)");
        assertError("rollout:\n  waves:\n    - percent: 0\n", "line 3: rollout.waves[0].percent: expected a whole "
                + "number from 1 to 100 (a share of the targets no earlier wave took), not '0'");
        assertError("rollout:\n  waves:\n    - percent: 101\n", "line 3: rollout.waves[0].percent: expected a whole");
        assertError("rollout:\n  waves:\n    - percent: 12.5\n", "line 3: rollout.waves[0].percent: expected a whole "
                + "number from 1 to 100 (a share of the targets no earlier wave took), not '12.5'");
        assertError("rollout:\n  waves:\n    - percent: \"25%\"\n", "line 3: rollout.waves[0].percent: expected");
        assertError("rollout:\n  waves:\n    - select: { topic: [x] }\n",
                "line 3: rollout.waves[0].select: unknown key 'topic' (expected all, names, topics");
        assertError("rollout:\n  waves:\n\n    - select: { groups: [nope] }\n",
                "line 4: rollout.waves[0].select.groups: unknown group 'nope' (declared: none)");
        assertError(waves + "  gate:\n    wait: 10 minutes\n", "line 5: rollout.gate.wait: '10 minutes' is not a "
                + "duration; use a number and a unit");
        assertError(waves + "  gate:\n    wait: 600\n", "line 5: rollout.gate.wait: '600' is not a duration");
        assertError(waves + "  gate:\n    max_failures: -1\n", "line 5: rollout.gate.max_failures: '-1' is not a "
                + "number of failures: expected a count (0 or more) or a percentage of the wave (0% to 100%)");
        assertError(waves + "  gate:\n    max_failures: 101%\n", "line 5: rollout.gate.max_failures: '101%' is not");
        assertError(waves + "  gate:\n    max_failures: some\n", "line 5: rollout.gate.max_failures: 'some' is not");
        assertError(waves + "  gate:\n    on_timeout: wait\n",
                "line 5: rollout.gate.on_timeout: unknown on_timeout 'wait': expected proceed or pause");
        assertError(waves + "  gate:\n    timeout: 5m\n",
                "line 5: rollout.gate: unknown key 'timeout' (expected wait, max_failures, on_timeout)");
        assertError(waves + "  gate: 10m\n", "line 4: rollout.gate: expected a map");
    }

    private static void assertError(String yaml, String expected) {
        assertThatThrownBy(() -> RegenConfig.parse(FILE, yaml)).isInstanceOf(TemplateException.class)
                .hasMessageStartingWith(FILE + " " + expected).hasMessageNotContaining("\n");
    }
}
