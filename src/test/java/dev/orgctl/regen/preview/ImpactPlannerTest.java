package dev.orgctl.regen.preview;

import static dev.orgctl.hosts.git.GitTestRepos.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.regen.ForwardingHost;
import dev.orgctl.regen.RegenBatch;
import dev.orgctl.regen.RegenExecutor;
import dev.orgctl.regen.RegenPlanner;
import dev.orgctl.regen.RegenResult;
import dev.orgctl.regen.RunContext;
import dev.orgctl.regen.TemplateLoader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImpactPlannerTest {
    private static final CommitIdentity BOB = new CommitIdentity("Bob", "bob@example.com");

    @TempDir
    Path tmp;

    GitTestRepos repos;
    RepoRef templates;

    @BeforeEach
    void org() {
        repos = new GitTestRepos(tmp.resolve("root"));
        templates = repos.create("acme", ".github");
    }

    @AfterEach
    void close() {
        repos.close();
    }

    private RepoRef target(String name) {
        RepoRef r = repos.create("acme", name);
        repos.commit(r, files("src/main.txt", "code of " + name + "\n"), "initial");
        return r;
    }

    /** A branch of the templates repository off main with one more commit, as a person opening a change. */
    private String change(String branch, Map<String, String> files) {
        repos.branch(templates, branch, repos.host().branchHead(templates, "main").orElseThrow());
        return repos.commit(templates, branch, files, "change on " + branch, BOB);
    }

    private void regenerateAll() {
        RegenExecutor executor = new RegenExecutor(repos.host(), new RegenPlanner(repos.host()));
        var snap = new TemplateLoader(repos.host()).load("acme");
        List<RegenResult> results = RegenBatch.run(repos.host().listRepositories("acme"), 4,
                r -> executor.regenerate(snap, r, RunContext.random()), null);
        assertThat(results).noneMatch(r -> r instanceof RegenResult.Failed);
    }

    private final java.util.concurrent.atomic.AtomicInteger branchReads = new java.util.concurrent.atomic.AtomicInteger();

    private ImpactPlanner planner() {
        return new ImpactPlanner(new ForwardingHost(repos.host()) {
            @Override
            public Optional<RepoSnapshot> readBranch(RepoRef repo, String branch, FileSelection selection) {
                branchReads.incrementAndGet();
                return super.readBranch(repo, branch, selection);
            }
        }, "acme", 4);
    }

    private Map<String, Map<String, String>> allRefs() {
        Map<String, Map<String, String>> out = new HashMap<>();
        for (RepositoryInfo r : repos.host().listRepositories("acme")) {
            out.put(r.name(), repos.refs(r.ref()));
        }
        return out;
    }

    @Test
    void aRenderErrorFailsNamingFileAndLineAndNothingIsWrittenAnywhere() {
        repos.commit(templates, files("templates/ci/ci.yml", "name: <%= repo.name %>\n",
                "templates/docs/README.md", "docs of <%= repo.name %>\n"), "templates");
        target("api");
        target("web");
        regenerateAll();
        String head = change("broken", files("templates/ci/ci.yml", "name: <%= repo.name %>\nrun: <%= repo.nmae %>\n"));
        Map<String, Map<String, String>> before = allRefs();

        Impact impact = planner().plan("broken", Optional.of("main"));

        assertThat(impact.conclusion()).isEqualTo(Conclusion.FAILURE);
        assertThat(impact.headSha()).isEqualTo(head);
        assertThat(impact.problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("templates/ci/ci.yml");
            assertThat(p.line()).isEqualTo(2);
            assertThat(p.message()).contains("repo.nmae");
            assertThat(p.repositories()).containsExactly("api", "web");
        });
        // The other set still renders: it is kept, not counted as a change.
        assertThat(impact.perSet()).containsOnlyKeys("docs");
        assertThat(impact.perSet().get("docs")).isEqualTo(new ImpactCounts(0, 0, 0, 0, 2));
        assertThat(impact.groups()).isEmpty();
        assertThat(allRefs()).isEqualTo(before);
    }

    @Test
    void aChangeToOneTemplateUsedBy200RepositoriesIsOneGroupWithTheRightCounts() {
        repos.commit(templates, files("templates/ci/ci.yml", "name: ci\nsteps: [build]\n",
                "templates/ci/CODEOWNERS", "* @acme/platform\n",
                "templates/docs/README.md", "docs of <%= repo.name %>\n",
                "orgctl.yaml", "sets:\n  docs:\n    targets:\n      names: [svc-000]\n"), "templates");
        for (int i = 0; i < 200; i++) {
            target(String.format("svc-%03d", i));
        }
        regenerateAll();
        change("faster-ci", files("templates/ci/ci.yml", "name: ci\nsteps: [build, test]\n"));

        for (Optional<String> base : List.of(Optional.<String>empty(), Optional.of("main"))) {
            Impact impact = planner().plan("faster-ci", base);
            assertThat(impact.conclusion()).as("base %s", base).isEqualTo(Conclusion.SUCCESS);
            assertThat(impact.problems()).isEmpty();
            assertThat(impact.groups()).as("base %s", base).singleElement().satisfies(g -> {
                assertThat(g.repositories()).hasSize(200).startsWith("svc-000", "svc-001").endsWith("svc-199");
                assertThat(g.counts()).isEqualTo(new ImpactCounts(200, 0, 200, 0, 201));
                assertThat(g.diff()).contains("--- a/ci.yml", "+++ b/ci.yml", "-steps: [build]",
                        "+steps: [build, test]").doesNotContain("CODEOWNERS", "README");
            });
            assertThat(impact.total()).isEqualTo(new ImpactCounts(200, 0, 200, 0, 201));
            assertThat(branchReads).as("each repository read once, base %s", base).hasValue(200);
            branchReads.set(0);
            assertThat(impact.perSet()).containsEntry("ci", new ImpactCounts(200, 0, 200, 0, 200));
            assertThat(impact.baseSha().isPresent()).isEqualTo(base.isPresent());
            if (base.isEmpty()) {
                assertThat(impact.perSet().get("docs")).isEqualTo(new ImpactCounts(0, 0, 0, 0, 1));
            }
        }
    }

    @Test
    void withABaseExistingDriftIsNotShownWithoutOneItIs() {
        repos.commit(templates, files("templates/ci/ci.yml", "name: ci\n",
                "templates/ci/CODEOWNERS", "* @acme/platform\n"), "templates");
        RepoRef api = target("api");
        target("web");
        regenerateAll();
        repos.commit(api, files("ci.yml", "name: ci edited by hand\n"), "a person edits a generated file");
        change("owners", files("templates/ci/CODEOWNERS", "* @acme/devex\n"));

        Impact withBase = planner().plan("owners", Optional.of("main"));
        assertThat(withBase.groups()).singleElement().satisfies(g -> {
            assertThat(g.repositories()).containsExactly("api", "web");
            assertThat(g.diff()).contains("+* @acme/devex").doesNotContain("ci.yml");
        });
        assertThat(withBase.total()).isEqualTo(new ImpactCounts(2, 0, 2, 0, 2));

        Impact againstNow = planner().plan("owners", Optional.empty());
        assertThat(againstNow.groups()).hasSize(2);
        assertThat(againstNow.groups().get(0).repositories()).containsExactly("api");
        assertThat(againstNow.groups().get(0).diff()).contains("-name: ci edited by hand", "+* @acme/devex");
    }

    @Test
    void aNewSetCreatesFilesAndARemovedOneDeletesThem() {
        repos.commit(templates, files("templates/ci/ci.yml", "name: ci\n"), "templates");
        target("api");
        regenerateAll();
        change("swap", files("templates/ci/ci.yml", null, "templates/lint/lint.yml", "lint: on\n"));

        Impact impact = planner().plan("swap", Optional.of("main"));
        assertThat(impact.total()).isEqualTo(new ImpactCounts(1, 1, 0, 1, 0));
        assertThat(impact.perSet()).containsEntry("ci", new ImpactCounts(1, 0, 0, 1, 0))
                .containsEntry("lint", new ImpactCounts(1, 1, 0, 0, 0));
        assertThat(impact.groups().get(0).diff()).contains("+++ /dev/null", "--- /dev/null");
    }

    @Test
    void aBrokenOrgctlYamlIsOneProblemForEveryRepository() {
        repos.commit(templates, files("templates/ci/ci.yml", "name: ci\n"), "templates");
        target("api");
        change("bad-config", files("orgctl.yaml", "sets:\n  ci:\n    drift: sometimes\n"));

        Impact impact = planner().plan("bad-config", Optional.of("main"));
        assertThat(impact.conclusion()).isEqualTo(Conclusion.FAILURE);
        assertThat(impact.problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("orgctl.yaml");
            assertThat(p.line()).isEqualTo(3);
            assertThat(p.message()).contains("unknown drift policy 'sometimes'");
            assertThat(p.repositories()).isEmpty();
        });
        assertThat(impact.total()).isEqualTo(ImpactCounts.NONE);
    }

    @Test
    void aBranchThatRepairsABrokenOrgctlYamlIsComparedWithTheRepositoriesAsTheyAre() {
        repos.commit(templates, files("templates/ci/ci.yml", "name: ci\n"), "templates");
        target("api");
        regenerateAll();
        repos.commit(templates, files("orgctl.yaml", "sets:\n  ci:\n    drift: sometimes\n"), "break main");
        change("repair", files("orgctl.yaml", null, "templates/ci/ci.yml", "name: ci 2\n"));

        Impact impact = planner().plan("repair", Optional.of("main"));
        assertThat(impact.baseSha()).isEmpty();
        assertThat(impact.conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(impact.groups()).singleElement().satisfies(g -> assertThat(g.diff()).contains("-name: ci",
                "+name: ci 2"));
        assertThat(ImpactText.markdown(impact, 1000)).contains("compared with the repositories as they are");
    }

    @Test
    void refsAreBranchesTagsAndCommitsAndAnUnknownOneIsAClearError() throws Exception {
        String first = repos.commit(templates, files("templates/ci/ci.yml", "name: ci\n"), "templates");
        target("api");
        regenerateAll();
        String second = repos.commit(templates, files("templates/ci/ci.yml", "name: ci 2\n"), "templates 2");
        GitTestRepos.git(tmp, "--git-dir", repos.host().gitDir(templates).toString(), "tag", "-a", "v1", "-m", "v1",
                first);

        assertThat(planner().plan("v1", Optional.empty()).headSha()).isEqualTo(first);
        assertThat(planner().plan("v1", Optional.empty()).conclusion()).isEqualTo(Conclusion.NEUTRAL);
        Impact bySha = planner().plan(second.substring(0, 10), Optional.of("v1"));
        assertThat(bySha.headSha()).isEqualTo(second);
        assertThat(bySha.baseSha()).contains(first);
        assertThat(bySha.conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(planner().plan(second, Optional.empty()).headSha()).isEqualTo(second);
        assertThatThrownBy(() -> planner().plan("nope", Optional.empty())).isInstanceOf(UnknownRefException.class)
                .hasMessage("acme/.github has no branch, tag or commit 'nope'");
        assertThatThrownBy(() -> planner().plan("main", Optional.of("--all"))).isInstanceOf(UnknownRefException.class);
    }
}
