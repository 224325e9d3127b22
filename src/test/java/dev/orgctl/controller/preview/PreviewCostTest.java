package dev.orgctl.controller.preview;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.config.GitHubSettings;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.github.GitHubChecks;
import dev.orgctl.hosts.github.GitHubClient;
import dev.orgctl.hosts.github.GitHubHost;
import dev.orgctl.hosts.github.PullRequestHeads;
import dev.orgctl.regen.RegenExecutor;
import dev.orgctl.regen.RegenPlanner;
import dev.orgctl.regen.RunContext;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.regen.TemplateLoader;
import dev.orgctl.regen.TemplateSnapshot;
import dev.orgctl.regen.preview.ImpactPlanner;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakePull;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import dev.orgctl.testing.github.RepoSpec;
import dev.orgctl.testing.github.RepoStats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a preview costs in API calls beside a full regeneration (area: GitHub API economy), counted
 * by the fake per target repository. A preview reads and never writes to a target.
 */
class PreviewCostTest {
    private static final Person ALICE = Person.of("alice");

    /** One row of the table: API calls on the target repositories. */
    record Row(String phase, int repos, RepoStats targets, long millis) {
        String line() {
            return String.format("| %s | %.2f | %.2f | %.2f | %.1f s |", phase, (double) targets.reads() / repos,
                    (double) targets.notModified() / repos, (double) targets.writes() / repos, millis / 1000.0);
        }
    }

    @Test
    void aPreviewWritesNothingToTargetsAndReadsNoMoreThanARegeneration(@TempDir Path dir) {
        List<Row> rows = measure(30, dir);
        assertThat(rows).allSatisfy(r -> {
            if (r.phase().startsWith("preview")) {
                assertThat(r.targets().writes()).as(r.phase()).isZero();
                // Planned at the base and at the head on one read of each target (PreviewReads).
                assertThat(r.targets().reads()).as(r.phase()).isLessThanOrEqualTo((long) r.repos());
            }
        });
    }

    @Test
    @Tag("soak")
    void thousandRepositories(@TempDir Path dir) throws IOException {
        List<Row> rows = measure(1000, dir);
        StringBuilder sb = new StringBuilder("| phase (1000 repositories) | reads / repo | free 304s / repo "
                + "| writes / repo "
                + "| wall time on the fake |\n| --- | ---: | ---: | ---: | ---: |\n");
        rows.forEach(r -> sb.append(r.line()).append('\n'));
        sb.append("\nload average at the end: ")
                .append(String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
                .append('\n');
        System.out.println(sb);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/preview-cost.md"), sb.toString());
    }

    static List<Row> measure(int repos, Path dir) {
        try (GitHubFake fake = GitHubFake.start()) {
            FakeOrg acme = fake.createOrg("acme");
            FakeRepo templates = acme.createRepo(RepoSpec.named(".github").files(SampleTemplates.files()));
            for (int i = 0; i < repos; i++) {
                acme.createRepo(String.format("svc-%04d", i));
            }
            GitHubSettings s = AppOnFake.install(fake, dir, Map.of("contents", "write", "workflows", "write",
                    "checks", "write", "pull_requests", "read", "metadata", "read"));
            List<Row> rows = new ArrayList<>();
            GitHubClient first = AppOnFake.client(s);
            GitHubHost host = new GitHubHost(first);
            rows.add(measured(fake, acme, repos, "full regeneration (cold process)", () -> {
                TemplateSnapshot t = new TemplateLoader(host).load("acme");
                RegenExecutor executor = new RegenExecutor(host, new RegenPlanner(host));
                for (RepositoryInfo r : host.listRepositories("acme")) {
                    executor.regenerate(t, r, RunContext.of("bench"));
                }
            }));
            templates.createBranch("owners", "main", ALICE);
            templates.push("owners", ALICE, "owners",
                    Map.of("templates/github/.github/CODEOWNERS", "* @acme/owners\n"));
            FakePull pull = templates.openPull("owners", "main", ALICE, "Owners");
            PreviewRequest request = new PreviewRequest("acme", pull.number(), templates.requireHead("owners"), "main",
                    Optional.empty(), "bench");
            GitHubClient fresh = AppOnFake.client(s);
            GitHubHost freshHost = new GitHubHost(fresh);
            PreviewRunner cold = new PreviewRunner(new GitHubChecks(fresh), new PullRequestHeads(fresh),
                    PreviewRunner.Planner.of(new ImpactPlanner(freshHost, "acme", 4)));
            rows.add(measured(fake, acme, repos, "preview (fresh process, cold cache)", () -> cold.run(request)));
            PreviewRequest again = new PreviewRequest("acme", pull.number(), request.headSha(), "main",
                    Optional.empty(), "bench-again", true);
            rows.add(measured(fake, acme, repos, "preview again (checks re-run, same process)", () -> cold.run(again)));
            return rows;
        }
    }

    private static Row measured(GitHubFake fake, FakeOrg acme, int repos, String phase, Runnable work) {
        fake.resetStats();
        long start = System.nanoTime();
        work.run();
        long millis = (System.nanoTime() - start) / 1_000_000;
        RepoStats targets = RepoStats.ZERO;
        for (FakeRepo r : acme.repos()) {
            if (!r.name().equals(".github")) {
                targets = targets.plus(r.stats());
            }
        }
        return new Row(phase, repos, targets, millis);
    }
}
