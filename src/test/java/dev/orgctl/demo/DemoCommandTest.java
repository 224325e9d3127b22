package dev.orgctl.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.OrgctlProcess.Result;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, as a user runs it: it must tell the whole story and exit 0. */
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void theDemoProvesEveryClaimAndLeavesDataForStatus() {
        Result demo = OrgctlProcess.run(dir, Map.of(), "demo", "--repos", "4");
        assertThat(demo.exitCode()).as(demo.out() + demo.err()).isZero();
        assertThat(demo.out())
                .contains("a template change reached all 4 repositories, exactly one commit each")
                .contains("follow-up commits: 0")
                .contains("was repaired")
                .contains("5 template pushes in a burst")
                .contains("${{ }} expressions passed through untouched")
                .contains("preview: failure, `templates/github/.github/workflows/ci.yml line 2`: unknown variable "
                        + "'repo.nmae'")
                .contains("the same change in 4 repositories:", "+run-name: ci of ${{ github.ref_name }}")
                .contains("a proposed template change was previewed before merge")
                // step 6: needs the rollout engine (ORGCTL_ROLLOUTS, the driver) and the git backend's CI
                .contains("rollout ", ": paused after wave 1/2, service-01 failed CI (failure, file:")
                .contains("the log says: .github/workflows/ci.yml asks for ubuntu-18.04: those runners were retired")
                .contains("the other 3 repositories were not touched")
                .contains(": completed, both waves; every repository builds on ubuntu-24.04")
                .contains("a template change that broke CI in the canary service-01 paused its rollout after wave 1");
        assertThat(demo.out() + demo.err()).doesNotContainPattern("(?i)webhook_secret|[0-9a-f]{48}");

        Result status = OrgctlProcess.run(dir, Map.of(), "status");
        assertThat(status.exitCode()).as(status.err()).isZero();
        // 4 repositories, and the two rollouts of step 6 (the superseded one ends COMPLETED too)
        assertThat(status.out()).contains("Rollouts:", "failed 0, completed 6");
    }
}
