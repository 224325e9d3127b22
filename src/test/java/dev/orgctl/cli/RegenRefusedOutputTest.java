package dev.orgctl.cli;

import static dev.orgctl.hosts.git.GitTestRepos.files;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code regen apply} names each file it refused to write, with the reason, and writes the others. */
class RegenRefusedOutputTest {
    @TempDir
    Path tmp;

    private String apply() {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        cli.execute("regen", "apply", "--backend", "git", "--git-root", tmp.resolve("root").toString(), "--org", "acme",
                "--data-dir", tmp.resolve("data").toString());
        return out.toString();
    }

    @Test
    void applyReportsTheFileItCouldNotWrite() {
        try (GitTestRepos repos = new GitTestRepos(tmp.resolve("root"))) {
            RepoRef templates = repos.create("acme", ".github");
            repos.commit(templates, files("templates/ci/sub/nested.yml", "n: 1\n", "templates/ci/ok.yml", "ok: 1\n"),
                    "templates");
            RepoRef api = repos.create("acme", "api");
            repos.commit(api, files("sub", "theirs\n"), "init");

            String first = apply();
            assertThat(first).containsPattern("acme/api: committed [0-9a-f]{12} \\(2 create, 1 refused\\)");
            assertThat(first).contains("  refused        sub/nested.yml  (cannot be written: 'sub' is a file in the "
                    + "repository, so nothing can be written under it)\n");
            assertThat(repos.read(api, "main")).containsEntry("sub", "theirs\n").containsKey("ok.yml");

            String again = apply();
            assertThat(again).contains("acme/api: no change (1 refused)\n", "  refused        sub/nested.yml");
        }
    }
}
