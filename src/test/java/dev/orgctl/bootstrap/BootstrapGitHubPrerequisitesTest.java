package dev.orgctl.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.github.GitHubFake;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prerequisites stage with the github backend, against the GitHub fake: bad credentials, a missing templates repository, then fixed. */
class BootstrapGitHubPrerequisitesTest {
    @TempDir
    Path tmp;

    @Test
    void badCredentialsAndAMissingTemplatesRepositoryFailClearlyAndAReRunPassesOnceFixed() {
        try (GitHubFake gh = GitHubFake.start()) {
            var org = gh.createOrg("acme");
            String good = gh.createToken("alice", "repo", "admin:org_hook");
            Map<String, String> env = new HashMap<>(gh.environment("acme", "ghp_not-a-valid-token-000000000000000000"));
            env.put("ORGCTL_DATA_DIR", tmp.resolve("data").toString());
            env.put("GITHUB_WEBHOOK_SECRET", "s3cret");

            OrgctlProcess.Result bad = OrgctlProcess.run(tmp, env, "bootstrap", "--only", "prerequisites");
            assertThat(bad.exitCode()).as(bad.out() + bad.err()).isNotZero();
            assertThat(bad.out() + bad.err()).contains("stage prerequisites failed", "GitHub refused");

            env.put("GITHUB_TOKEN", good);
            OrgctlProcess.Result missing = OrgctlProcess.run(tmp, env, "bootstrap", "--only", "prerequisites");
            assertThat(missing.exitCode()).as(missing.out() + missing.err()).isNotZero();
            assertThat(missing.out() + missing.err()).contains("stage prerequisites failed",
                    "templates repository acme/.github does not exist");
            OrgctlProcess.Result status = OrgctlProcess.run(tmp, env, "bootstrap", "status");
            assertThat(status.out()).containsPattern("prerequisites\\s+failed");

            org.createRepo(".github");
            OrgctlProcess.Result fixed = OrgctlProcess.run(tmp, env, "bootstrap", "--only", "prerequisites");
            assertThat(fixed.exitCode()).as(fixed.out() + fixed.err()).isZero();
            assertThat(fixed.out()).contains("GitHub credentials accepted");
        }
    }
}
