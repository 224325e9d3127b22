package dev.orgctl.cli;

import static dev.orgctl.hosts.git.GitTestRepos.files;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitRepoSettings;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.regen.Provenance;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RegenCommandTest {
    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    private Result run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private String[] args(String... cmd) {
        String[] common = {"--backend", "git", "--git-root", tmp.resolve("root").toString(), "--org", "acme",
            "--data-dir", tmp.resolve("data").toString()};
        String[] all = new String[cmd.length + common.length];
        System.arraycopy(cmd, 0, all, 0, cmd.length);
        System.arraycopy(common, 0, all, cmd.length, common.length);
        return all;
    }

    @Test
    void planShowsWhatWouldChangeAndApplyCommitsIt() throws Exception {
        try (GitTestRepos repos = new GitTestRepos(tmp.resolve("root"))) {
            RepoRef templates = repos.create("acme", ".github");
            repos.commit(templates, files("templates/ci/ci.yml", "name: <%= repo.name %>\nrun: ${{ secrets.X }}\n"),
                    "templates");
            RepoRef api = repos.create("acme", "api");
            repos.commit(api, files("src/a.txt", "a\n"), "init");
            repos.create("acme", "old", GitRepoSettings.defaults().withArchived(true));

            Result plan = run(args("regen", "plan", "--diff"));
            assertThat(plan.exit()).as(plan.err()).isEqualTo(RegenCommand.EXIT_CHANGES);
            assertThat(plan.out()).contains("acme/api: 2 create\n", "  create         ci.yml\n",
                    "acme/old: skipped: archived", "acme/.github: skipped: the templates repository",
                    "+++ b/ci.yml", "+run: ${{ secrets.X }}", "1 would change");

            Result apply = run(args("regen", "apply", "--run-id", "cli-run"));
            assertThat(apply.exit()).as(apply.err()).isZero();
            assertThat(apply.out()).containsPattern("acme/api: committed [0-9a-f]{12} \\(2 create\\)");
            assertThat(apply.out()).contains("run cli-run", "1 changed");
            String message = repos.log(api, "main").get(0).getFullMessage();
            assertThat(Provenance.trailers(message)).containsEntry("Orgctl-Run-Id", "cli-run");

            Result again = run(args("regen", "apply", "--repo", "api"));
            assertThat(again.out()).contains("acme/api: no change").doesNotContain("acme/old");
            assertThat(run(args("regen", "plan")).exit()).isZero();
            Result missing = run(args("regen", "plan", "--repo", "nope"));
            assertThat(missing.exit()).isEqualTo(1);
            assertThat(missing.out()).contains("acme/nope: error: no such repository");
        }
    }

    @Test
    void brokenTemplatesAreOneClearLine() throws Exception {
        try (GitTestRepos repos = new GitTestRepos(tmp.resolve("root"))) {
            RepoRef templates = repos.create("acme", ".github");
            repos.commit(templates, files("orgctl.yaml", "sets:\n  ci:\n    drift: sometimes\n",
                    "templates/ci/a.yml", "a\n"), "templates");
            Result r = run(args("regen", "plan"));
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err().strip()).isEqualTo("orgctl: acme/.github:orgctl.yaml line 3: sets.ci.drift: unknown "
                    + "drift policy 'sometimes': expected repair, report or discard");
        }
        Result noRoot = run("regen", "plan", "--backend", "git", "--org", "acme", "--git-root",
                tmp.resolve("nowhere").toString());
        assertThat(noRoot.exit()).isEqualTo(Main.EXIT_CONFIG);
        assertThat(noRoot.err()).contains("no organization 'acme' under the git root");
    }

    @Test
    void benchRegenRunsEndToEndOnAFewRepositories() {
        Result r = run("bench", "regen", "--repos", "3", "--dir", tmp.resolve("bench").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("orgctl full regeneration", "orgctl no-op reconcile", "clone-and-push full",
                "clone-and-push no-op", "peak heap:");
    }
}
