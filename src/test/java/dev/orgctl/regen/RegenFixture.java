package dev.orgctl.regen;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepositoryInfo;
import dev.orgctl.hosts.git.GitHost;
import dev.orgctl.hosts.git.GitRepoSettings;
import dev.orgctl.hosts.git.GitTestRepos;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** An org "acme" with a templates repository and target repositories, on real bare repositories. */
final class RegenFixture implements AutoCloseable {
    /** The plan of {@code path} in a repository's plan; fails the test when there is none. */
    static FilePlan file(RepoPlan p, String path) {
        return p.allFiles().stream().filter(f -> f.path().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("no plan for " + path + " in " + p.allFiles()));
    }

    /** What {@code path} holds after the plan, as UTF-8 text. */
    static String after(RepoPlan p, String path) {
        return new String(file(p, path).after(), StandardCharsets.UTF_8);
    }

    static final String CI = String.join("\n",
            "name: ci",
            "on: [push, pull_request]",
            "jobs:",
            "  build:",
            "    runs-on: ${{ matrix.os }}",
            "    if: ${{ github.event_name == 'push' }}",
            "    steps:",
            "      - uses: actions/checkout@v4",
            "      - run: echo building <%= repo.name %> with ${{ secrets.TOKEN }}",
            "");
    static final String CODEOWNERS = "* <%= vars.owners | default(\"@acme/platform\") %>\n";
    static final String README_BLOCK = "Maintained by <%= vars.owners | default(\"@acme/platform\") %>.\n";
    static final String LICENSE = "MIT License for <%= repo.full_name %>\n";

    final GitTestRepos repos;
    final GitHost host;
    final RepoRef templates;
    final TemplateLoader loader;
    final RegenPlanner planner;
    final RegenExecutor executor;

    RegenFixture(Path root) {
        repos = new GitTestRepos(root);
        host = repos.host();
        templates = repos.create("acme", ".github");
        loader = new TemplateLoader(host);
        planner = new RegenPlanner(host);
        executor = new RegenExecutor(host, planner);
    }

    /** Commits to the templates repository as a person; null content deletes. */
    String templates(Map<String, String> files) {
        return repos.commit(templates, files, "templates change");
    }

    String standardTemplates() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("templates/ci/.github/workflows/ci.yml", CI);
        f.put("templates/ci/.github/CODEOWNERS", CODEOWNERS);
        return templates(f);
    }

    RepoRef target(String name) {
        RepoRef r = repos.create("acme", name);
        repos.commit(r, GitTestRepos.files("src/main.txt", "code of " + name + "\n"), "initial");
        return r;
    }

    RepositoryInfo info(RepoRef r) {
        return host.repository(r).orElseThrow();
    }

    TemplateSnapshot snapshot() {
        return loader.load("acme");
    }

    RepoPlan plan(RepoRef r) {
        return planner.plan(snapshot(), info(r));
    }

    RegenResult regenerate(RepoRef r) {
        return executor.regenerate(snapshot(), info(r), RunContext.of("test-run"));
    }

    @Override
    public void close() {
        repos.close();
    }
}
