package dev.orgctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.HostPort;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.controller.ControllerSettings;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.github.AppKeys;
import dev.orgctl.testing.github.FakeChecks;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakePull;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import dev.orgctl.testing.github.RepoSpec;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A templates pull request through the whole pipeline with ORGCTL_BACKEND=github and a GitHub App:
 * the fake delivers pull_request events to the gateway, the controller previews the pull request's
 * head as the orgctl / impact check run, and no target repository is written.
 */
class GitHubPreviewEndToEndTest {
    private static final String SECRET = "preview-webhook-secret";
    private static final String CODEOWNERS = "templates/github/.github/CODEOWNERS";
    private static final Person ALICE = Person.of("alice");
    @TempDir
    Path dir;
    private GitHubFake fake;
    private FakeOrg acme;
    private FakeRepo templates;
    private NatsServerFixture nats;
    private NatsRuntime runtime;
    private Services services;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
        acme = fake.createOrg("acme");
        templates = acme.createRepo(RepoSpec.named(".github").files(SampleTemplates.files()));
        acme.createRepo(RepoSpec.named("api").topics("java").language("Java"));
        acme.createRepo(RepoSpec.named("web"));
        KeyPair key = AppKeys.generate();
        fake.registerApp(77, "orgctl", key.getPublic());
        fake.installApp(77, "acme", Map.of("contents", "write", "workflows", "write", "checks", "write",
                "pull_requests", "read", "metadata", "read"));
        nats = NatsServerFixture.start().withTopology();
        Map<String, String> env = new HashMap<>();
        env.put("ORGCTL_BACKEND", "github");
        env.put("GITHUB_API_URL", fake.url());
        env.put("GITHUB_ORG", "acme");
        env.put("GITHUB_APP_ID", "77");
        env.put("GITHUB_APP_PRIVATE_KEY_FILE", AppKeys.writePkcs1(key, dir.resolve("app.pem")).toString());
        env.put("NATS_URL", nats.url());
        env.put("GITHUB_WEBHOOK_SECRET", SECRET);
        env.put("ORGCTL_DATA_DIR", dir.resolve("data").toString());
        OrgctlConfig config = ConfigResolver.resolve(Map.of(), env, Optional.empty());
        runtime = NatsRuntime.open(config, "e2e", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED);
        services = new Services();
        UpCommand.Started started = UpCommand.startServices(services, config, runtime,
                GatewaySettings.defaults(new HostPort("127.0.0.1", 0), config.webhookSecrets()),
                ControllerSettings.defaults().withReconcile(Optional.empty()), Duration.ofMillis(200));
        acme.addHook(started.gateway().url() + "/webhooks/github", SECRET, List.of("push", "repository",
                "pull_request"));
    }

    @AfterEach
    void stop() {
        services.close();
        runtime.close();
        nats.close();
        fake.close();
    }

    @Test
    void aTemplatePullRequestGetsItsCheckRunAndTheNewestHeadWinsWithoutAWriteToATarget() {
        Map<String, String> targetHeads = Map.of("api", acme.requireRepo("api").requireHead("main"),
                "web", acme.requireRepo("web").requireHead("main"));
        templates.createBranch("owners", "main", ALICE);
        templates.push("owners", ALICE, "typo", Map.of(CODEOWNERS, "* <%= repo.nmae %>\n"));
        FakePull pull = templates.openPull("owners", "main", ALICE, "New owners");
        String broken = templates.requireHead("owners");

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(fake.checks().runs(templates))
                .filteredOn(r -> r.headSha().equals(broken) && r.status().equals("completed")).singleElement()
                .satisfies(r -> {
                    assertThat(r.conclusion()).contains("failure");
                    assertThat(r.annotations()).singleElement().satisfies(a -> assertThat(a)
                            .containsEntry("path", CODEOWNERS).containsEntry("start_line", 1));
                }));

        // Two pushes in quick succession: one final result, for the newest head.
        templates.push("owners", ALICE, "fix", Map.of(CODEOWNERS, "* @acme/fixed\n"));
        String newest = templates.push("owners", ALICE, "better", Map.of(CODEOWNERS, "* @acme/owners\n"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<FakeChecks.Run> runs = fake.checks().runs(templates);
            assertThat(runs).allSatisfy(r -> assertThat(r.status()).as("run " + r.id()).isEqualTo("completed"));
            assertThat(runs).filteredOn(r -> r.headSha().equals(newest)).singleElement()
                    .satisfies(r -> assertThat(r.conclusion()).contains("success"));
        });
        // The follow-up run of the coalesced pushes finds the newest head published: no second run.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(fake.checks().runs(templates)).filteredOn(r -> r.headSha().equals(newest)).hasSize(1));
        assertThat(pull.state()).isEqualTo("open");
        targetHeads.forEach((name, head) -> assertThat(acme.requireRepo(name).requireHead("main")).as(name)
                .isEqualTo(head));
    }
}
