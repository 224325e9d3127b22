package dev.orgctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.git.GitTestRepos;
import dev.orgctl.testing.OrgctlProcess;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plan and apply over an organization stream: memory is bounded by the repositories in flight,
 * not by the organization. 60 repositories x 400 template files in a JVM of 40 MiB (orgctl
 * holding every plan until the end needed more than 48 MiB for this and printed nothing).
 */
class RegenAtScaleTest {
    static final int REPOS = 60;
    static final int FILES = 400;
    static final String HEAP = "-Xmx40m";

    @TempDir
    Path tmp;

    @Test
    void planAndApplyOfManyRepositoriesWithManyFilesFitASmallHeap() {
        Path root = tmp.resolve("root");
        try (GitTestRepos repos = new GitTestRepos(root)) {
            Map<String, String> templates = new LinkedHashMap<>();
            for (int i = 0; i < FILES; i++) {
                templates.put(String.format("templates/many/.github/workflows/w-%03d.yml", i), workflow(i));
            }
            repos.commit(repos.create("acme", ".github"), templates, "templates");
            for (int i = 0; i < REPOS; i++) {
                RepoRef r = repos.create("acme", String.format("svc-%03d", i));
                repos.commit(r, GitTestRepos.files("src/a.txt", "a\n"), "init");
            }
        }
        Map<String, String> env = Map.of("JAVA_TOOL_OPTIONS", HEAP);
        String[] common = {"--backend", "git", "--git-root", root.toString(), "--org", "acme",
            "--data-dir", tmp.resolve("data").toString()};

        OrgctlProcess.Result plan = OrgctlProcess.runAsShipped(tmp, env, args(common, "regen", "plan"));
        assertThat(plan.exitCode()).as(plan.err()).isEqualTo(RegenCommand.EXIT_CHANGES);
        assertThat(plan.out()).contains("acme/svc-000: " + (FILES + 1) + " create\n",
                "acme/svc-059: " + (FILES + 1) + " create\n", REPOS + " would change");

        OrgctlProcess.Result apply = OrgctlProcess.runAsShipped(tmp, env, args(common, "regen", "apply", "--parallel", "2"));
        assertThat(apply.exitCode()).as(apply.err()).isZero();
        assertThat(apply.out()).contains(REPOS + " changed, 0 unchanged");

        OrgctlProcess.Result again = OrgctlProcess.runAsShipped(tmp, env, args(common, "regen", "plan", "--diff"));
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).contains("acme/svc-000: no change (" + FILES + " kept)\n");
    }

    private static String[] args(String[] common, String... cmd) {
        String[] all = new String[cmd.length + common.length];
        System.arraycopy(cmd, 0, all, 0, cmd.length);
        System.arraycopy(common, 0, all, cmd.length, common.length);
        return all;
    }

    /** About 1 KiB, like a starter workflow. */
    private static String workflow(int i) {
        StringBuilder sb = new StringBuilder("name: workflow " + i + " of <%= repo.name %>\non: [push]\njobs:\n"
                + "  build:\n    runs-on: ubuntu-latest\n    steps:\n");
        for (int s = 0; s < 12; s++) {
            sb.append("      - run: echo \"${{ github.sha }} ").append(i).append('.').append(s)
                    .append(" <%= repo.full_name %>\"\n");
        }
        return sb.toString();
    }
}
