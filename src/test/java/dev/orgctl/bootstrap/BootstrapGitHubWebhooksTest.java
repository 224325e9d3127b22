package dev.orgctl.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.OrgctlProcess;
import dev.orgctl.testing.github.FakeHook;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.RepoSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhooks stage with the github backend, against the GitHub fake: a dev bootstrap registers
 * one org hook, a re-run of the stage adopts it, and once someone deletes it on GitHub,
 * {@code orgctl bootstrap verify} names the webhooks stage.
 */
class BootstrapGitHubWebhooksTest {
    @TempDir
    Path tmp;

    @Test
    void verifyNamesTheWebhooksStageAfterTheHookIsDeletedOnGitHub() throws Exception {
        try (GitHubFake gh = GitHubFake.start()) {
            FakeOrg acme = gh.createOrg("acme");
            acme.createRepo(RepoSpec.named(".github").files(SampleTemplates.files()));
            acme.createRepo(RepoSpec.named("api"));
            String token = gh.createToken("orgctl", "repo", "workflow", "admin:org_hook");
            String addr = "127.0.0.1:" + BootstrapEndToEndTest.freePort();
            Map<String, String> env = new HashMap<>(gh.environment("acme", token));
            env.put("ORGCTL_DATA_DIR", tmp.resolve("data").toString());
            env.put("ORGCTL_HTTP_ADDR", addr);
            env.put("GITHUB_WEBHOOK_SECRET", "bootstrap-webhooks-secret");
            try {
                OrgctlProcess.Result boot = OrgctlProcess.run(tmp, env, "bootstrap", "--public-url", "http://" + addr);
                assertThat(boot.exitCode()).as(boot.out() + boot.err()).isZero();
                assertThat(acme.hooks()).as(boot.out()).hasSize(1);
                FakeHook hook = acme.hooks().get(0);
                assertThat(hook.url()).isEqualTo("http://" + addr + "/webhooks/github");

                // Redoing the stage adopts the hook: never a second one.
                OrgctlProcess.Result again = OrgctlProcess.run(tmp, env, "bootstrap", "--only", "webhooks",
                        "--public-url", "http://" + addr);
                assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
                assertThat(acme.hooks()).extracting(FakeHook::id).containsExactly(hook.id());
                assertThat(OrgctlProcess.run(tmp, env, "bootstrap", "verify").exitCode()).isZero();

                // Someone deletes the hook in GitHub's settings.
                HttpResponse<String> deleted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create(gh.url() + "/orgs/acme/hooks/" + hook.id()))
                        .header("Authorization", "token " + token).DELETE().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);

                OrgctlProcess.Result verify = OrgctlProcess.run(tmp, env, "bootstrap", "verify");
                assertThat(verify.exitCode()).as(verify.out() + verify.err()).isEqualTo(1);
                assertThat(verify.out()).containsPattern("webhooks\\s+FAILED: the org webhook at .* is gone");
                assertThat(verify.out()).containsPattern("(?m)^gateway\\s+ok");
                assertThat(verify.err()).as("webhooks alone").containsPattern("verification failed for: webhooks\\R");
                assertThat(verify.out() + verify.err()).doesNotContain(token);
            } finally {
                OrgctlProcess.run(tmp, env, "down");
            }
        }
    }
}
