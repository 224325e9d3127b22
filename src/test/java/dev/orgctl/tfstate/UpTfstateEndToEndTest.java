package dev.orgctl.tfstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.RSAKey;
import dev.orgctl.cli.Services;
import dev.orgctl.cli.UpCommand;
import dev.orgctl.config.ConfigResolver;
import dev.orgctl.config.HostPort;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.config.Secret;
import dev.orgctl.controller.ControllerMetrics;
import dev.orgctl.controller.ControllerSettings;
import dev.orgctl.gateway.GatewaySettings;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.NatsServerFixture;
import dev.orgctl.testing.WebhookExamples;
import dev.orgctl.testing.WebhookSchemas;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.RepoSpec;
import dev.orgctl.tfstate.auth.TestIssuer;
import dev.orgctl.webhook.Signatures;
import io.nats.client.Connection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend as {@code orgctl up} serves it (in-process, as the other end-to-end tests start it),
 * with OIDC and nothing else: a loopback issuer, a {@code tfstate.policy} in the service's config
 * file, the real terraform binary, and signed {@code workflow_run} deliveries through the gateway
 * and the controller's event stage.
 */
class UpTfstateEndToEndTest {
    private static final String SECRET = "tfstate-e2e-webhook-secret";
    private static final long RUN_ID = 7001;

    @TempDir
    Path dir;
    private GitHubFake fake;
    private NatsServerFixture nats;
    private NatsRuntime runtime;
    private Services services;
    private TestIssuer issuer;
    private RSAKey key;
    private UpCommand.Started started;
    private ControllerMetrics metrics;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Terraform.binary().isPresent(),
                "no terraform binary on PATH: the orgctl up end-to-end state tests did not run");
        issuer = TestIssuer.start();
        key = TestIssuer.newKey("e2e");
        issuer.publish(key);
        fake = GitHubFake.start();
        FakeOrg acme = fake.createOrg("acme");
        acme.createRepo(RepoSpec.named(".github").files(SampleTemplates.files()));
        nats = NatsServerFixture.start().withTopology();
        Path yaml = Files.writeString(dir.resolve("orgctl.yaml"), """
                tfstate:
                  oidc: { issuer: "%s", audience: orgctl }
                  policy:
                    - claims: { repository: acme/infra, ref: refs/heads/main }
                      states: ["prod/**"]
                      access: write
                """.formatted(issuer.url()));
        Map<String, String> env = new HashMap<>(fake.environment("acme", fake.createToken("orgctl", "repo", "workflow",
                "admin:org_hook")));
        env.put("NATS_URL", nats.url());
        env.put("GITHUB_WEBHOOK_SECRET", SECRET);
        env.put("ORGCTL_DATA_DIR", dir.resolve("data").toString());
        OrgctlConfig config = ConfigResolver.resolve(Map.of(), env, Optional.of(yaml));
        runtime = NatsRuntime.open(config, "tfstate-e2e", NatsRuntime.WhenNoUrl.USE_RUNNING_EMBEDDED);
        services = new Services();
        started = UpCommand.startServices(services, config, runtime,
                GatewaySettings.defaults(new HostPort("127.0.0.1", 0), config.webhookSecrets()),
                ControllerSettings.defaults().withReconcile(Optional.empty()), Duration.ofMillis(200));
        metrics = started.controller().metrics();
    }

    @AfterEach
    void stop() {
        if (services != null) {
            services.close();
            runtime.close();
        }
        if (nats != null) {
            nats.close();
        }
        if (fake != null) {
            fake.close();
        }
        if (issuer != null) {
            issuer.close();
        }
    }

    private URI state(String name) {
        return started.gateway().url().resolve(TfstateHandler.PREFIX + name);
    }

    /** A token the issuer signed for a run of {@code repository} on main. */
    private String token(String repository, long runId) {
        return issuer.token(key, Instant.now(), c -> c.claim("repository", repository)
                .claim("repository_owner", repository.substring(0, repository.indexOf('/')))
                .subject("repo:" + repository + ":ref:refs/heads/main")
                .claim("run_id", Long.toString(runId)).claim("run_attempt", "1"));
    }

    @Test
    void terraformWorksWithAnOidcTokenOfTheAllowedRepositoryAndNoOtherCredential() throws Exception {
        Path allowed = Files.createDirectories(dir.resolve("allowed"));
        Terraform tf = new Terraform(allowed, state("prod/network"), token("acme/infra", RUN_ID));
        Terraform.Result init = tf.run("init", "-no-color");
        assertThat(init.exit()).as(init.output()).isZero();
        Terraform.Result apply = tf.run("apply", "-auto-approve", "-no-color");
        assertThat(apply.exit()).as(apply.output()).isZero();
        Terraform.Result plan = tf.run("plan", "-detailed-exitcode", "-no-color");
        assertThat(plan.exit()).as(plan.output()).isZero();
        assertThat(plan.output()).contains("No changes");

        // Another repository's token verifies, but no rule allows it: 403, and terraform fails with it
        // (Terraform reports 401 and 403 alike as "invalid auth").
        String otherToken = token("acme/other", RUN_ID + 1);
        Path other = Files.createDirectories(dir.resolve("other"));
        Terraform intruder = new Terraform(other, state("prod/network"), otherToken);
        Terraform.Result refused = intruder.run("init", "-no-color");
        assertThat(refused.exit()).as(refused.output()).isNotZero();
        assertThat(refused.output()).contains("invalid auth");
        assertThat(get(Optional.of(otherToken)).statusCode()).isEqualTo(403);

        HttpResponse<String> none = get(Optional.empty());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Basic realm=\"orgctl tfstate\"");
    }

    @Test
    void aKilledApplysLockIsReleasedByTheWorkflowRunCompletedDeliveryOfItsRunOnly() throws Exception {
        StateName name = new StateName("prod/killed");
        Terraform tf = new Terraform(dir, state(name.value()), token("acme/infra", RUN_ID));
        assertThat(tf.run("init", "-no-color").exit()).isZero();
        Process slow = tf.start("apply", "-auto-approve", "-no-color", "-var", "sleep=120");
        try (Connection c = nats.connect()) {
            StateLocks locks = new StateLocks(c, TfstateSettings.DEFAULT_MAX_HOLD, Clock.systemUTC(),
                    StateLocks.Listener.NONE);
            StateLock held = await().atMost(Duration.ofSeconds(60)).until(() -> locks.holder(name), Optional::isPresent)
                    .orElseThrow();
            assertThat(held.holderRun()).hasValueSatisfying(r -> {
                assertThat(r.repository()).isEqualTo("acme/infra");
                assertThat(r.runId()).isEqualTo(RUN_ID);
            });
            TerraformTest.sigkill(slow); // mid-apply: no UNLOCK is ever sent
            assertThat(locks.holder(name)).contains(held);

            // Another run's end: classified and handled, the lock stays.
            double before = metrics.count("orgctl_controller_deliveries", "kind", "ci_result");
            assertThat(deliver(workflowRunCompleted(RUN_ID + 1, "success"))).isEqualTo(202);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    metrics.count("orgctl_controller_deliveries", "kind", "ci_result") > before);
            assertThat(locks.holder(name)).contains(held);

            // Its own run's end, cancelled: the lock is released, and terraform can lock again.
            assertThat(deliver(workflowRunCompleted(RUN_ID, "cancelled"))).isEqualTo(202);
            await().atMost(Duration.ofSeconds(30)).until(() -> locks.holder(name).isEmpty());
            Terraform.Result again = tf.run("apply", "-auto-approve", "-no-color");
            assertThat(again.exit()).as(again.output()).isZero();
        } finally {
            TerraformTest.sigkill(slow);
        }
    }

    private HttpResponse<String> get(Optional<String> password) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(state("prod/network")).GET();
        password.ifPresent(p -> b.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                ("terraform:" + p).getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A schema-valid {@code workflow_run} {@code completed} delivery for a run of acme/infra. */
    private static byte[] workflowRunCompleted(long runId, String conclusion) {
        WebhookSchemas schemas = WebhookSchemas.load();
        // The first completed example the schema accepts (the package's oldest examples predate fields it requires).
        ObjectNode p = WebhookExamples.all().stream()
                .filter(e -> e.event().equals("workflow_run") && e.action().equals(Optional.of("completed")))
                .filter(e -> schemas.violations(e.event(), e.body()).isEmpty())
                .findFirst().orElseThrow().payload().deepCopy();
        ObjectNode repo = (ObjectNode) p.path("repository");
        repo.put("name", "infra").put("full_name", "acme/infra");
        ((ObjectNode) repo.path("owner")).put("login", "acme");
        ObjectNode run = (ObjectNode) p.path("workflow_run");
        run.put("id", runId).put("run_attempt", 1).put("status", "completed").put("conclusion", conclusion);
        ((ObjectNode) run.path("repository")).put("name", "infra").put("full_name", "acme/infra");
        byte[] body = new WebhookExamples.Example("workflow_run", 0, p).body();
        assertThat(schemas.violations("workflow_run", body)).isEmpty();
        return body;
    }

    private int deliver(byte[] body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(started.gateway().url().resolve("/webhooks/github"))
                .header("Content-Type", "application/json").header("X-GitHub-Event", "workflow_run")
                .header("X-GitHub-Delivery", UUID.randomUUID().toString())
                .header("X-Hub-Signature-256", Signatures.sign(Secret.of(SECRET), body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
