package dev.orgctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.HostPort;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.controller.ControllerMetrics;
import dev.orgctl.controller.ControllerSettings;
import dev.orgctl.gateway.Gateway;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.regen.Provenance;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import dev.orgctl.testing.github.RepoSpec;
import java.nio.file.Path;
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
 * The whole pipeline with ORGCTL_BACKEND=github: the GitHub fake sends signed deliveries to the
 * gateway, the controller regenerates through the GitHub API (one createCommitOnBranch per
 * repository), and the fake's deliveries of orgctl's own commits are dropped.
 */
class GitHubUpEndToEndTest {
    private static final String SECRET = "e2e-webhook-secret";
    @TempDir
    Path dataDir;
    private GitHubFake fake;
    private FakeOrg acme;
    private FakeRepo templates;
    private NatsServerFixture nats;
    private NatsRuntime runtime;
    private Services services;
    private ControllerMetrics metrics;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
        acme = fake.createOrg("acme");
        templates = acme.createRepo(RepoSpec.named(".github").files(SampleTemplates.files()));
        acme.createRepo(RepoSpec.named("api").topics("java").language("Java"));
        acme.createRepo(RepoSpec.named("web"));
        acme.createRepo(RepoSpec.named("docs.site"));
        nats = NatsServerFixture.start().withTopology();
        Map<String, String> env = new HashMap<>(fake.environment("acme", fake.createToken("orgctl", "repo", "workflow",
                "admin:org_hook")));
        env.put("NATS_URL", nats.url());
        env.put("GITHUB_WEBHOOK_SECRET", SECRET);
        env.put("ORGCTL_DATA_DIR", dataDir.toString());
        OrgctlConfig config = ConfigResolver.resolve(Map.of(), env, Optional.empty());
        runtime = NatsRuntime.open(config, "e2e", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED);
        services = new Services();
        UpCommand.Started started = UpCommand.startServices(services, config, runtime,
                GatewaySettings.defaults(new HostPort("127.0.0.1", 0), config.webhookSecrets()),
                ControllerSettings.defaults().withReconcile(Optional.empty()).withSettle(Duration.ofMillis(300),
                        Duration.ofSeconds(5)), Duration.ofMillis(200));
        metrics = started.controller().metrics();
        acme.addHook(started.gateway().url() + "/webhooks/github", SECRET, List.of("push", "repository"));
    }

    @AfterEach
    void stop() {
        services.close();
        runtime.close();
        nats.close();
        fake.close();
    }

    private static long orgctlCommits(FakeRepo repo) {
        return repo.log("main").stream().filter(c -> Provenance.isOrgctlCommit(c.message())).count();
    }

    @Test
    void aTemplatePushRegeneratesEveryRepositoryOnceAndDriftIsRepaired() {
        Person alice = Person.of("alice");
        String ci = templates.file("main", "templates/github/.github/workflows/ci.yml").orElseThrow();
        templates.push("main", alice, "CI: one more line", Map.of("templates/github/.github/workflows/ci.yml",
                ci + "# rolled out on GitHub\n"));

        List<FakeRepo> targets = List.of(acme.requireRepo("api"), acme.requireRepo("web"), acme.requireRepo("docs.site"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (FakeRepo r : targets) {
                assertThat(r.file("main", ".github/workflows/ci.yml")).get().asString()
                        .contains("# rolled out on GitHub").contains("${{ matrix.os }}");
            }
        });
        // orgctl's own pushes come back from GitHub as deliveries and are dropped.
        await().atMost(Duration.ofSeconds(30)).until(() ->
                metrics.count("orgctl_controller_snake_stopped", "layer", "own_commit") >= targets.size());
        Map<String, String> heads = new HashMap<>();
        targets.forEach(r -> heads.put(r.name(), r.requireHead("main")));
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                targets.forEach(r -> assertThat(r.requireHead("main")).isEqualTo(heads.get(r.name()))));
        for (FakeRepo r : targets) {
            assertThat(orgctlCommits(r)).as(r.name()).isEqualTo(1);
        }

        // A person edits a generated file: orgctl repairs it with one more commit.
        FakeRepo api = acme.requireRepo("api");
        String owners = api.file("main", ".github/CODEOWNERS").orElseThrow();
        api.push("main", alice, "Own everything", Map.of(".github/CODEOWNERS", owners + "* @alice\n"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(api.file("main", ".github/CODEOWNERS")).contains(owners));
        assertThat(orgctlCommits(api)).isEqualTo(2);
    }

    @Test
    void aBurstOfTemplatePushesGivesAtMostTwoCommitsPerRepositoryAndTheNewestWins() {
        Person alice = Person.of("alice");
        String path = "templates/github/.github/workflows/ci.yml";
        String ci = templates.file("main", path).orElseThrow();
        for (int i = 1; i <= 5; i++) {
            templates.push("main", alice, "CI: burst " + i, Map.of(path, ci + "# burst " + i + "\n"));
        }
        List<FakeRepo> targets = List.of(acme.requireRepo("api"), acme.requireRepo("web"), acme.requireRepo("docs.site"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (FakeRepo r : targets) {
                assertThat(r.file("main", ".github/workflows/ci.yml")).get().asString().contains("# burst 5");
            }
        });
        Map<String, String> heads = new HashMap<>();
        targets.forEach(r -> heads.put(r.name(), r.requireHead("main")));
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                targets.forEach(r -> assertThat(r.requireHead("main")).isEqualTo(heads.get(r.name()))));
        for (FakeRepo r : targets) {
            assertThat(orgctlCommits(r)).as(r.name()).isBetween(1L, 2L);
            assertThat(r.file("main", ".github/workflows/ci.yml")).get().asString().doesNotContain("# burst 4");
        }
    }
}
