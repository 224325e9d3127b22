package dev.orgctl.controller;

import static dev.orgctl.controller.OrgFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.cli.Main;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.nats.topology.Topology;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The git backend's template preview, end to end: a person pushes a branch of the templates
 * repository; the ref watcher turns it into a push delivery, the controller previews it into
 * ORGCTL_PREVIEWS, and {@code orgctl regen preview BRANCH} prints it. No target repository is
 * written. Real nats-server, real bare repositories, the {@code git} command line for pushes.
 */
class TemplatePreviewTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final CircuitBreaker.Settings LOOSE = new CircuitBreaker.Settings(50, Duration.ofMinutes(10));

    @Test
    void aPushedTemplatesBranchIsPreviewedFailingOnTheBrokenLineThenGroupedOnceFixed() throws Exception {
        try (OrgFixture f = OrgFixture.start(2, LOOSE, GitTestRepos.files("templates/ci/ci.yml", "name: ci\n"))) {
            PreviewStore store = new PreviewStore(f.connect().keyValue(Topology.PREVIEWS_BUCKET), Clock.systemUTC());
            Map<RepoRef, Map<String, String>> before = refs(f);

            String broken = f.repos.gitPush(f.templates, "faster-ci",
                    GitTestRepos.files("templates/ci/ci.yml", "name: ci\nsteps: <%= repo.nmae %>\n"), "broken");
            await("the broken push previewed", WAIT, () -> previewed(store, "faster-ci", broken));
            PreviewStore.Report failed = store.read(OrgFixture.ORG, "faster-ci").orElseThrow();
            assertThat(failed.conclusion()).isEqualTo("failure");
            assertThat(failed.report()).contains("Templates at `faster-ci` (" + broken.substring(0, 12) + ")",
                    "`templates/ci/ci.yml line 2`", "unknown variable 'repo.nmae'",
                    "2 repositories: svc-01, svc-02");
            assertThat(cli(f, "regen", "preview", "faster-ci").exit()).isEqualTo(1);

            String fixed = f.repos.gitPush(f.templates, "faster-ci",
                    GitTestRepos.files("templates/ci/ci.yml", "name: ci\nsteps: [build, test]\n"), "fixed");
            await("the fixed push previewed", WAIT, () -> previewed(store, "faster-ci", fixed));
            Cli shown = cli(f, "regen", "preview", "faster-ci");
            assertThat(shown.exit()).as(shown.err()).isZero();
            assertThat(shown.out()).contains("## orgctl impact: success", "The same change in 2 repositories: svc-01, "
                    + "svc-02", "+steps: [build, test]", "2 repositories would change: 0 created, 2 updated")
                    .doesNotContain("note:");
            assertThat(refs(f)).as("no repository but the templates repository's branch moved").isEqualTo(before);

            GitTestRepos.git(f.root, "--git-dir", f.repos.host().gitDir(f.templates).toString(), "branch", "-D",
                    "faster-ci");
            await("the deleted branch's preview removed", WAIT,
                    () -> store.read(OrgFixture.ORG, "faster-ci").isEmpty());
            Cli gone = cli(f, "regen", "preview", "faster-ci");
            assertThat(gone.exit()).isEqualTo(1);
            assertThat(gone.err()).contains("no preview of acme/.github branch 'faster-ci': there is no such branch");
        }
    }

    private static boolean previewed(PreviewStore store, String branch, String head) {
        return store.read(OrgFixture.ORG, branch).map(r -> r.head().equals(head)).orElse(false);
    }

    /** Every ref of every repository but the templates repository. */
    private static Map<RepoRef, Map<String, String>> refs(OrgFixture f) {
        Map<RepoRef, Map<String, String>> out = new HashMap<>();
        f.targets.forEach(r -> out.put(r, f.repos.refs(r)));
        return out;
    }

    record Cli(int exit, String out, String err) {
    }

    private static Cli cli(OrgFixture f, String... cmd) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] common = {"--backend", "git", "--git-root", f.gitRoot.toString(), "--org", OrgFixture.ORG,
            "--nats-url", f.nats.url(), "--data-dir", f.root.resolve("cli-data").toString()};
        String[] all = new String[cmd.length + common.length];
        System.arraycopy(cmd, 0, all, 0, cmd.length);
        System.arraycopy(common, 0, all, cmd.length, common.length);
        int code = cli.execute(all);
        return new Cli(code, out.toString(), err.toString());
    }
}
