package dev.orgctl.regen.preview;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The report's text: verdict, counts, problems, groups, a size budget that counts what it leaves out. */
class ImpactTextTest {
    private static final String SHA = "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d";

    private static List<String> names(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    @Test
    void groupsPastTheBudgetAreCountedNotCutAndABacktickRunCannotCloseTheFence() {
        ImpactGroup big = new ImpactGroup("--- a/x\n+++ b/x\n+```\n", names("svc-", 25), new ImpactCounts(25, 0, 25, 0, 0));
        ImpactGroup second = new ImpactGroup("--- a/y\n+++ b/y\n+y\n", List.of("api"), new ImpactCounts(1, 0, 1, 0, 3));
        ImpactGroup third = new ImpactGroup("--- a/z\n+++ b/z\n+z\n", List.of("web", "worker"),
                new ImpactCounts(2, 2, 0, 0, 0));
        Impact impact = new Impact("feature", SHA, Optional.empty(), new ImpactCounts(28, 2, 26, 0, 3),
                Map.of("ci", new ImpactCounts(28, 2, 26, 0, 3)), List.of(big, second, third), List.of());

        String text = ImpactText.markdown(impact, big.diff().length() + 1);

        assertThat(text).startsWith("## orgctl impact: success\n")
                .contains("28 repositories would change: 2 created, 26 updated, 0 deleted, 3 kept; 3 distinct changes, "
                        + "0 problems.")
                .contains("### The same change in 25 repositories: svc-0, svc-1", "svc-19, … (5 more)")
                .contains("````diff\n--- a/x\n+++ b/x\n+```\n````\n")
                .contains("2 more distinct changes in 3 repositories not shown")
                .doesNotContain("+++ b/y");
    }

    @Test
    void problemsNameFileLineAndRepositoriesAndAConfigProblemStopsEveryRepository() {
        Impact impact = new Impact("main", SHA, Optional.of(SHA), ImpactCounts.NONE, Map.of(), List.of(), List.of(
                new ImpactProblem("templates/ci/ci.yml", 2, "unknown variable 'repo.nmae'", List.of("api", "web")),
                new ImpactProblem("orgctl.yaml", 0, "sets.ci: unknown key", List.of())));
        assertThat(impact.conclusion()).isEqualTo(Conclusion.FAILURE);
        assertThat(ImpactText.markdown(impact, 0)).contains("## orgctl impact: failure",
                "compared with the templates at 1a2b3c4d5e6f",
                "- `templates/ci/ci.yml line 2`: unknown variable 'repo.nmae' — 2 repositories: api, web",
                "- `orgctl.yaml`: sets.ci: unknown key — every repository");
        Impact none = new Impact("main", SHA, Optional.empty(), new ImpactCounts(0, 0, 0, 0, 7), Map.of(), List.of(),
                List.of());
        assertThat(none.conclusion()).isEqualTo(Conclusion.NEUTRAL);
        assertThat(ImpactText.summary(none)).isEqualTo("No repository would change: 0 created, 0 updated, 0 deleted, "
                + "7 kept; 0 distinct changes, 0 problems.");
    }
}
