package dev.orgctl.cli;

import static dev.orgctl.hosts.git.GitTestRepos.ALICE;
import static dev.orgctl.hosts.git.GitTestRepos.files;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code orgctl regen plan --ref REF [--base REF]} on the git backend: the report, the exit codes, bad input. */
class RegenPlanRefTest {
    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    private Result run(String... cmd) {
        String[] common = {"--backend", "git", "--git-root", tmp.resolve("root").toString(), "--org", "acme",
            "--data-dir", tmp.resolve("data").toString()};
        String[] all = new String[cmd.length + common.length];
        System.arraycopy(cmd, 0, all, 0, cmd.length);
        System.arraycopy(common, 0, all, cmd.length, common.length);
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(all);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void aBranchWithARenderErrorFailsNamingTheLineAndItsFixShowsOneGroupedDiff() {
        try (GitTestRepos repos = new GitTestRepos(tmp.resolve("root"))) {
            RepoRef templates = repos.create("acme", ".github");
            String main = repos.commit(templates, files("templates/ci/ci.yml", "name: ci\n"), "templates");
            for (String name : new String[] {"api", "web"}) {
                repos.commit(repos.create("acme", name), files("src/a.txt", "a\n"), "init");
            }
            assertThat(run("regen", "apply").exit()).isZero();
            Map<String, String> apiRefs = repos.refs(new RepoRef("acme", "api"));

            repos.branch(templates, "change", main);
            repos.commit(templates, "change", files("templates/ci/ci.yml", "name: ci\nrun: <%= repo.nmae %>\n"),
                    "broken", ALICE);
            Result broken = run("regen", "plan", "--ref", "change", "--base", "main");
            assertThat(broken.exit()).as(broken.err()).isEqualTo(1);
            assertThat(broken.out()).contains("## orgctl impact: failure", "`templates/ci/ci.yml line 2`: unknown "
                    + "variable 'repo.nmae'", "2 repositories: api, web", "No repository would change");

            repos.commit(templates, "change", files("templates/ci/ci.yml", "name: ci\nrun: make\n"), "fixed", ALICE);
            Result fixed = run("regen", "plan", "--ref", "change");
            assertThat(fixed.exit()).as(fixed.err()).isZero();
            assertThat(fixed.out()).contains("## orgctl impact: success", "compared with the repositories as they are",
                    "The same change in 2 repositories: api, web", "+run: make",
                    "| ci | 2 | 0 | 2 | 0 | 0 |");
            assertThat(repos.refs(new RepoRef("acme", "api"))).isEqualTo(apiRefs);

            Result same = run("regen", "plan", "--ref", "main", "--base", main.substring(0, 8));
            assertThat(same.exit()).as(same.out()).isZero();
            assertThat(same.out()).contains("## orgctl impact: neutral", "No repository would change");
        }
    }

    @Test
    void badInputIsOneClearLine() {
        try (GitTestRepos repos = new GitTestRepos(tmp.resolve("root"))) {
            RepoRef templates = repos.create("acme", ".github");
            repos.commit(templates, files("templates/ci/ci.yml", "name: ci\n"), "templates");
            Result unknown = run("regen", "plan", "--ref", "nope");
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err().strip()).isEqualTo("orgctl: acme/.github has no branch, tag or commit 'nope'");
            Result baseAlone = run("regen", "plan", "--base", "main");
            assertThat(baseAlone.exit()).isEqualTo(Main.EXIT_CONFIG);
            assertThat(baseAlone.err()).contains("--base needs --ref");
            Result withRepo = run("regen", "plan", "--ref", "main", "--repo", "api");
            assertThat(withRepo.exit()).isEqualTo(Main.EXIT_CONFIG);
            assertThat(withRepo.err()).contains("--ref previews the whole organization");
        }
    }
}
