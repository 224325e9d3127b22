package dev.orgctl.cli;

import static dev.orgctl.hosts.git.GitTestRepos.files;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitRepoSettings;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.regen.Provenance;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
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

            Result plan = run(args("regen", "plan", "--diff", "--files"));
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
    void inPullRequestModePlanSaysWhereTheProposalGoesAndApplyPrintsTheNotes() throws Exception {
        try (GitTestRepos repos = new GitTestRepos(tmp.resolve("root"))) {
            RepoRef templates = repos.create("acme", ".github");
            repos.commit(templates, files("templates/ci/ci.yml", "name: <%= repo.name %>\n", "orgctl.yaml",
                    "mode: pull-request\npull_request:\n  branch: \"sync/<%= repo.name %>\"\n  labels: [orgctl]\n"
                            + "  team_reviewers: [platform]\n  auto_merge: squash\n"), "templates");
            RepoRef api = repos.create("acme", "api");
            repos.commit(api, files("src/a.txt", "a\n"), "init");

            Result plan = run(args("regen", "plan"));
            assertThat(plan.out()).contains("acme/api: 2 create\n  proposal on sync/api; labels orgctl; reviewers "
                    + "acme/platform; auto-merge (squash) if acme/api allows it\n");

            Result apply = run(args("regen", "apply"));
            assertThat(apply.exit()).as(apply.err()).isZero();
            assertThat(apply.out()).containsPattern("acme/api: proposal updated on sync/api at [0-9a-f]{12} "
                    + "\\(2 create\\); note: the git backend has no pull requests: ");
            assertThat(repos.log(api, "sync/api")).hasSize(2);
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
    void aBrokenTemplateFailsOnlyItsSetPlanAndApplyListTheErrorAndExitNonZero() throws Exception {
        try (GitTestRepos repos = new GitTestRepos(tmp.resolve("root"))) {
            RepoRef templates = repos.create("acme", ".github");
            repos.commit(templates, files("templates/ci/ci.yml", "name: <%= repo.name %>\n<% if x %>\n",
                    "templates/lint/lint.yml", "lint: <%= repo.name | shout %>\n",
                    "templates/docs/docs.md", "docs of <%= repo.name %>\n"), "templates");
            for (String name : new String[] {"api", "web"}) {
                repos.commit(repos.create("acme", name), files("src/a.txt", "a\n"), "init");
            }

            Result plan = run(args("regen", "plan", "--parallel", "1"));
            assertThat(plan.exit()).as(plan.err()).isEqualTo(1);
            assertThat(plan.out()).contains("acme/api: 2 create, 2 errors\n", "acme/web: 2 create, 2 errors\n",
                    "acme/.github:templates/ci/ci.yml line 2: 'if' is never closed",
                    "acme/.github:templates/lint/lint.yml line 1: ", "in 2 repositories: api, web",
                    "3 repositories, 0 would change, 0 unchanged, 1 skipped, 2 failed");

            Result apply = run(args("regen", "apply"));
            assertThat(apply.exit()).as(apply.err()).isEqualTo(1);
            assertThat(apply.out()).containsPattern("acme/api: committed [0-9a-f]{12} \\(2 create, 2 errors\\)")
                    .contains("'if' is never closed", "in 2 repositories: api, web");
            RepoRef api = new RepoRef("acme", "api");
            assertThat(repos.file(api, "docs.md")).endsWith("docs of api\n");
            assertThat(repos.file(api, "ci.yml")).isNull();
        }
    }

    @Test
    void aRenderErrorIsPrintedOnceAndNotAgainAsALogLine() throws Exception {
        try (GitTestRepos repos = new GitTestRepos(tmp.resolve("root"))) {
            RepoRef templates = repos.create("acme", ".github");
            repos.commit(templates, files("templates/ci/ci.yml", "name: <%= repo.nmae %>\n"), "templates");
            repos.commit(repos.create("acme", "api"), files("src/a.txt", "a\n"), "init");
            ListAppender<ILoggingEvent> logged = new ListAppender<>();
            Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME);
            logged.start();
            root.addAppender(logged);
            Result apply;
            try {
                apply = run(args("regen", "apply"));
            } finally {
                root.detachAppender(logged);
            }
            assertThat(apply.exit()).isEqualTo(1);
            assertThat(apply.out().split("unknown variable 'repo.nmae'", -1)).hasSize(2);
            assertThat(logged.list).noneMatch(e -> e.getLoggerName().startsWith("dev.orgctl.regen")
                    && e.getLevel().isGreaterOrEqual(Level.WARN));
        }
    }

    @Test
    void aReposEntryNamingNoRepositoryIsReportedAndStopsTheRepositoryItWasMeantFor() throws Exception {
        try (GitTestRepos repos = new GitTestRepos(tmp.resolve("root"))) {
            RepoRef templates = repos.create("acme", ".github");
            repos.commit(templates, files("orgctl.yaml", "repos:\n  apii:\n    mode: pull-request\n"
                            + "  gone-for-good:\n    variables: {a: 1}\n",
                    "templates/ci/ci.yml", "name: <%= repo.name %>\n"), "templates");
            RepoRef api = repos.create("acme", "api");
            repos.commit(api, files("src/a.txt", "a\n"), "init");
            RepoRef web = repos.create("acme", "web");
            repos.commit(web, files("src/a.txt", "a\n"), "init");

            Result plan = run(args("regen", "plan", "--files"));
            assertThat(plan.exit()).isEqualTo(1);
            assertThat(plan.out()).contains("warning: acme/.github:orgctl.yaml line 2: repos.apii names no "
                            + "repository of acme; did you mean api?",
                    "warning: acme/.github:orgctl.yaml line 4: repos.gone-for-good names no repository of acme; its "
                            + "settings apply to no repository",
                    "acme/api: 1 error\n", "acme/web: 2 create\n");

            String before = repos.log(api, "main").get(0).getName();
            Result apply = run(args("regen", "apply"));
            assertThat(apply.exit()).isEqualTo(1);
            assertThat(apply.out()).contains("repos.apii names no repository of acme; did you mean api? api is not "
                    + "regenerated until orgctl.yaml names it exactly");
            // No silent fallback to direct commits on api's default branch; web is regenerated.
            assertThat(repos.log(api, "main").get(0).getName()).isEqualTo(before);
            assertThat(repos.file(web, "ci.yml")).endsWith("name: web\n");
        }
    }

    @Test
    void planPrintsOneLinePerRepositoryAndEachIdenticalDiffOnce() throws Exception {
        try (GitTestRepos repos = new GitTestRepos(tmp.resolve("root"))) {
            RepoRef templates = repos.create("acme", ".github");
            repos.commit(templates, files("templates/ci/ci.yml", "run: make\n",
                    "templates/ci/name.txt", "<%= repo.name %>\n"), "templates");
            for (int i = 1; i <= 3; i++) {
                repos.commit(repos.create("acme", "svc-00" + i), files("src/a.txt", "a\n"), "init");
            }
            assertThat(run(args("regen", "apply")).exit()).isZero();
            repos.commit(templates, files("templates/ci/ci.yml", "run: make test\n"), "change");

            Result plan = run(args("regen", "plan", "--diff", "--parallel", "2"));
            assertThat(plan.exit()).as(plan.err()).isEqualTo(RegenCommand.EXIT_CHANGES);
            assertThat(plan.out()).contains("acme/svc-001: 2 update, 1 kept\n", "acme/svc-002: 2 update, 1 kept\n",
                    "the same change in 3 repositories: svc-001, svc-002, svc-003\n", "+run: make test",
                    "3 would change");
            assertThat(plan.out().split("\\+run: make test", -1)).hasSize(2); // the diff once, not three times
            assertThat(plan.out()).doesNotContain("  update         ci.yml") // file lines only under --files
                    .doesNotContain("+++ b/.github/orgctl-owned.json"); // orgctl's bookkeeping, not a change to read
            assertThat(plan.out().indexOf("acme/svc-001")).isLessThan(plan.out().indexOf("acme/svc-002"));

            Result one = run(args("regen", "plan", "--repo", "svc-001"));
            assertThat(one.out()).contains(": 1 repository, 1 would change");
        }
    }

    @Test
    void helpTextsSummariseEachCommandInOneSentence() {
        for (String[] cmd : new String[][] {{"regen"}, {"regen", "plan"}, {"regen", "apply"}, {"bench", "regen"}}) {
            CommandLine c = Main.commandLine();
            for (String sub : cmd) {
                c = c.getSubcommands().get(sub);
            }
            String first = c.getCommandSpec().usageMessage().description()[0];
            assertThat(first).as(String.join(" ", cmd)).endsWith(".");
        }
    }

    @Test
    void benchRegenRunsEndToEndOnAFewRepositories() {
        Result r = run("bench", "regen", "--repos", "3", "--dir", tmp.resolve("bench").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("orgctl full regeneration", "orgctl no-op reconcile", "clone-and-push full",
                "clone-and-push no-op", "peak heap:");
    }

    @Test
    void benchRegenHasAManyFilesCaseAPlanPhaseAndTheVerifiedNoOp() {
        Result r = run("bench", "regen", "--repos", "2", "--template-files", "30", "--baseline-repos", "1",
                "--dir", tmp.resolve("bench").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("2 repositories, 36 template files", "orgctl plan", "orgctl no-op, verified heads",
                "verified heads skipped unread", "load average:", "for the many-files case");
    }
}
