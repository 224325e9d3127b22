package dev.orgctl.testing.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orgctl.config.Secret;
import dev.orgctl.testing.WebhookSchemas;
import dev.orgctl.webhook.Signatures;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fake's CI: a check suite for every commit that lands on a branch of a repository with CI,
 * completed as configured, delivered as GitHub delivers it (signed, valid against GitHub's webhook
 * schema), or not delivered when the test says results were missed.
 */
class FakeCiTest {
    private static final WebhookSchemas SCHEMAS = WebhookSchemas.load();
    private static final Person ALICE = Person.of("alice");
    private static final String SECRET = "ci-secret";
    private GitHubFake fake;
    private FakeOrg acme;
    private FakeRepo web;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
        acme = fake.createOrg("acme");
        acme.addHook("http://127.0.0.1:9/webhooks/github", SECRET, List.of("push", "check_suite", "workflow_run",
                "status", "pull_request"));
        web = acme.createRepo("web");
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private List<FakeDelivery> deliveries(String event) {
        fake.awaitDeliveries(Duration.ofSeconds(10));
        return fake.deliveries().stream().filter(d -> d.event().equals(event)).toList();
    }

    private static JsonNode json(FakeDelivery d) throws IOException {
        return GitHubFake.JSON.readTree(d.payload());
    }

    @Test
    void aCommitOfARepositoryWithCiGetsACompletedSuiteAndBothDeliveriesInGitHubsShape() throws IOException {
        fake.ci().configure(web, FakeCi.Result.FAILURE);
        String sha = web.push("main", ALICE, "edit", Map.of("README.md", "hi\n"));
        fake.ci().awaitCompletions(Duration.ofSeconds(10));

        FakeCi.Suite suite = fake.ci().suite(web, sha).orElseThrow();
        assertThat(suite.status()).isEqualTo("completed");
        assertThat(suite.conclusion()).contains("failure");
        assertThat(suite.headBranch()).isEqualTo("main");

        FakeDelivery checkSuite = deliveries("check_suite").get(0);
        FakeDelivery workflowRun = deliveries("workflow_run").get(0);
        for (FakeDelivery d : List.of(checkSuite, workflowRun)) {
            assertThat(d.action()).isEqualTo("completed");
            assertThat(SCHEMAS.violations(d.event(), d.payload())).as(d.event()).isEmpty();
            assertThat(d.requestHeaders().get(Signatures.HEADER_256)).isEqualTo(Signatures.sign(Secret.of(SECRET),
                    d.payload()));
        }
        // The check bites: a run without its check suite's id is not GitHub's.
        ObjectNode broken = (ObjectNode)
                json(workflowRun);
        ((ObjectNode) broken.path("workflow_run")).remove("check_suite_id");
        assertThat(SCHEMAS.violations("workflow_run", GitHubFake.JSON.writeValueAsBytes(broken))).isNotEmpty();
        JsonNode cs = json(checkSuite).path("check_suite");
        assertThat(cs.path("id").asLong()).isEqualTo(suite.id());
        assertThat(cs.path("head_sha").asText()).isEqualTo(sha);
        assertThat(cs.path("conclusion").asText()).isEqualTo("failure");
        assertThat(cs.path("app").path("slug").asText()).isEqualTo("github-actions");
        JsonNode run = json(workflowRun).path("workflow_run");
        assertThat(run.path("check_suite_id").asLong()).isEqualTo(suite.id());
        assertThat(run.path("id").asLong()).isEqualTo(suite.runId());
        assertThat(run.path("html_url").asText()).isEqualTo(fake.url() + "/acme/web/actions/runs/" + suite.runId());
        // The push is delivered before its result, as on GitHub.
        assertThat(fake.deliveries().stream().map(FakeDelivery::event).filter(e -> !e.equals("ping")).toList())
                .containsExactly("push", "check_suite", "workflow_run");
    }

    @Test
    void aRepositoryWithoutCiGetsNoSuiteAndABranchAtAKnownCommitNoSecond() {
        String plain = web.push("main", ALICE, "edit", Map.of("README.md", "hi\n"));
        fake.ci().configure(web, FakeCi.Result.SUCCESS);
        String sha = web.push("main", ALICE, "again", Map.of("README.md", "ho\n"));
        web.createBranch("copy", "main", ALICE);
        fake.ci().awaitCompletions(Duration.ofSeconds(10));

        assertThat(fake.ci().suite(web, plain)).isEmpty();
        assertThat(fake.ci().suites(web)).singleElement().satisfies(s -> {
            assertThat(s.headSha()).isEqualTo(sha);
            assertThat(s.conclusion()).contains("success");
        });
        assertThat(deliveries("check_suite")).hasSize(1);
    }

    @Test
    void aDelayedSuiteRunsUntilItsDelayHasPassedAndOnePendingForeverNeverEnds() {
        fake.ci().configure(web, FakeCi.Result.SUCCESS, Duration.ofHours(1));
        String slow = web.push("main", ALICE, "slow", Map.of("README.md", "1\n"));
        FakeRepo api = acme.createRepo("api");
        fake.ci().configure(api, FakeCi.Result.PENDING_FOREVER);
        String stuck = api.push("main", ALICE, "stuck", Map.of("README.md", "1\n"));
        FakeRepo docs = acme.createRepo("docs");
        fake.ci().configure(docs, FakeCi.Result.SUCCESS, Duration.ofMillis(200));
        String soon = docs.push("main", ALICE, "soon", Map.of("README.md", "1\n"));

        // The suite reads completed a moment before its deliveries are queued: wait for the delivery too.
        await().atMost(Duration.ofSeconds(10)).until(() -> fake.ci().suite(docs, soon).orElseThrow().status()
                .equals("completed") && fake.deliveries().stream().anyMatch(d -> d.event().equals("check_suite")));
        assertThat(fake.ci().suite(web, slow).orElseThrow().status()).isEqualTo("in_progress");
        assertThat(fake.ci().suite(api, stuck).orElseThrow().status()).isEqualTo("in_progress");
        assertThat(fake.ci().suite(api, stuck).orElseThrow().conclusion()).isEmpty();
        assertThat(deliveries("check_suite")).singleElement().satisfies(d ->
                assertThat(json(d).path("check_suite").path("head_sha").asText()).isEqualTo(soon));
    }

    @Test
    void aCommitStatusIsDeliveredInGitHubsShapeNamingTheBranchesAtTheCommit() throws IOException {
        String sha = web.push("main", ALICE, "edit", Map.of("README.md", "hi\n"));
        web.createBranch("release", "main", ALICE);
        fake.ci().setStatus(web, sha, "ci/jenkins", "pending", "https://ci.example.com/1");
        fake.ci().setStatus(web, sha, "ci/jenkins", "failure", "https://ci.example.com/1");

        List<FakeDelivery> statuses = deliveries("status");
        assertThat(statuses).hasSize(2);
        for (FakeDelivery d : statuses) {
            assertThat(SCHEMAS.violations(d.event(), d.payload())).isEmpty();
        }
        JsonNode last = json(statuses.get(1));
        assertThat(last.path("state").asText()).isEqualTo("failure");
        assertThat(last.path("context").asText()).isEqualTo("ci/jenkins");
        assertThat(last.path("target_url").asText()).isEqualTo("https://ci.example.com/1");
        assertThat(last.path("branches").findValuesAsText("name")).containsExactlyInAnyOrder("main", "release");
    }

    @Test
    void withWebhooksOffResultsAreKeptButNotDelivered() {
        fake.ci().configure(web, FakeCi.Result.SUCCESS);
        fake.ci().sendWebhooks(false);
        String sha = web.push("main", ALICE, "edit", Map.of("README.md", "hi\n"));
        fake.ci().setStatus(web, sha, "ci/jenkins", "success", null);
        fake.ci().awaitCompletions(Duration.ofSeconds(10));

        assertThat(fake.ci().suite(web, sha).orElseThrow().conclusion()).contains("success");
        assertThat(deliveries("check_suite")).isEmpty();
        assertThat(deliveries("status")).isEmpty();
        assertThat(deliveries("workflow_run")).isEmpty();
        assertThat(deliveries("push")).hasSize(1);
    }
}
