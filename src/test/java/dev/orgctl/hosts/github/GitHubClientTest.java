package dev.orgctl.hosts.github;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orgctl.testing.github.FakeOrg;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.RepoSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against the stateful fake over real HTTP: pagination, ETags, errors, rate limits. */
class GitHubClientTest {
    private GitHubFake fake;
    private FakeOrg acme;
    private String token;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
        acme = fake.createOrg("acme");
        token = fake.createToken("octo", "repo", "admin:org_hook", "workflow");
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void followsEveryPageAndRevalidatesUnchangedPagesForFree() {
        for (int i = 0; i < 120; i++) {
            acme.createRepo(String.format("svc-%03d", i));
        }
        GitHubClient client = TestClients.pat(fake, token);

        List<JsonNode> repos = client.getAll("/orgs/acme/repos?per_page=50&sort=full_name", Optional.empty());
        assertThat(repos).hasSize(120);
        assertThat(repos.get(0).path("name").asText()).isEqualTo("svc-000");
        assertThat(repos.get(119).path("name").asText()).isEqualTo("svc-119");
        assertThat(fake.orgLevelStats().reads()).isEqualTo(3);

        // Nothing changed: every page answers 304, costs no rate limit, and the items are the same.
        List<JsonNode> again = client.getAll("/orgs/acme/repos?per_page=50&sort=full_name", Optional.empty());
        assertThat(again).hasSize(120);
        assertThat(fake.orgLevelStats().reads()).isEqualTo(3);
        assertThat(fake.orgLevelStats().notModified()).isEqualTo(3);
        assertThat(client.counters().notModified()).isEqualTo(3);

        // A new repository changes the last page only: one read, two 304s.
        acme.createRepo("svc-120");
        assertThat(client.getAll("/orgs/acme/repos?per_page=50&sort=full_name", Optional.empty())).hasSize(121);
        assertThat(fake.orgLevelStats().reads()).isEqualTo(4);
        assertThat(fake.orgLevelStats().notModified()).isEqualTo(5);
    }

    @Test
    void a304CostsNoRateLimit() {
        acme.createRepo("web");
        fake.limits().primary("core", 10, Duration.ofHours(1));
        GitHubClient client = TestClients.pat(fake, token);
        for (int i = 0; i < 5; i++) {
            assertThat(client.getConditional("/repos/acme/web").json().path("name").asText()).isEqualTo("web");
        }
        GitHubResponse plain = client.get("/repos/acme/web");
        // One counted conditional read, four free 304s, one plain read: 10 - 2 left.
        assertThat(plain.header("X-RateLimit-Remaining")).contains("8");
        assertThat(client.counters().notModified()).isEqualTo(4);
    }

    @Test
    void badCredentialsAreOneClearLineWithoutTheToken() {
        String wrong = "ghp_thisTokenDoesNotExist0000000000000";
        GitHubApiException e = catchThrowableOfType(GitHubApiException.class,
                () -> TestClients.pat(fake, wrong).get("/orgs/acme/repos"));
        assertThat(e.kind()).isEqualTo(GitHubApiException.Kind.BAD_CREDENTIALS);
        assertThat(e.getMessage()).contains("401", "Bad credentials", "GITHUB_TOKEN", "GET /orgs/acme/repos")
                .doesNotContain(wrong);
    }

    @Test
    void aMissingScopeIsNamed() {
        String repoOnly = fake.createToken("octo", "repo");
        GitHubApiException e = catchThrowableOfType(GitHubApiException.class, () -> TestClients.pat(fake, repoOnly)
                .post("/orgs/acme/hooks", Map.of("name", "web", "config", Map.of("url", "http://127.0.0.1:1/x"))));
        assertThat(e.kind()).isEqualTo(GitHubApiException.Kind.FORBIDDEN);
        assertThat(e.missing()).hasValueSatisfying(m -> assertThat(m).contains("'admin:org_hook' scope", "it has: repo"));
        assertThat(e.getMessage()).contains("403", "POST /orgs/acme/hooks", "admin:org_hook").doesNotContain(repoOnly);
    }

    @Test
    void pushingAWorkflowWithoutTheWorkflowScopeNamesIt() {
        acme.createRepo("web");
        String repoOnly = fake.createToken("octo", "repo");
        GitHubClient client = TestClients.pat(fake, repoOnly);
        String head = acme.requireRepo("web").requireHead("main");
        Map<String, Object> input = Map.of(
                "branch", Map.of("repositoryNameWithOwner", "acme/web", "branchName", "main"),
                "expectedHeadOid", head,
                "message", Map.of("headline", "add ci"),
                "fileChanges", Map.of("additions", List.of(Map.of("path", ".github/workflows/ci.yml",
                        "contents", Base64.getEncoder().encodeToString("on: push\n".getBytes(UTF_8))))));
        GitHubApiException e = catchThrowableOfType(GitHubApiException.class, () -> client.graphqlData(
                "createCommitOnBranch", "mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input)"
                        + " { commit { oid } } }", Map.of("input", input), true));
        assertThat(e.kind()).isEqualTo(GitHubApiException.Kind.FORBIDDEN);
        assertThat(e.missing()).hasValueSatisfying(m -> assertThat(m).contains("'workflow' scope"));
        assertThat(acme.requireRepo("web").requireHead("main")).isEqualTo(head);
    }

    @Test
    void notFoundAndValidationFailuresCarryGitHubsWords() {
        GitHubClient client = TestClients.pat(fake, token);
        GitHubApiException missing = catchThrowableOfType(GitHubApiException.class, () -> client.get("/repos/acme/nope"));
        assertThat(missing.kind()).isEqualTo(GitHubApiException.Kind.NOT_FOUND);
        assertThat(missing.getMessage()).contains("GitHub has no GET /repos/acme/nope (404: Not Found)",
                "private resources");
        assertThat(client.getIfExists("/repos/acme/nope", false)).isEmpty();

        Map<String, Object> hook = Map.of("name", "web", "config", Map.of("url", "http://127.0.0.1:1/hook"));
        client.post("/orgs/acme/hooks", hook);
        GitHubApiException dup = catchThrowableOfType(GitHubApiException.class, () -> client.post("/orgs/acme/hooks", hook));
        assertThat(dup.kind()).isEqualTo(GitHubApiException.Kind.VALIDATION);
        assertThat(dup.details()).containsExactly("Hook: Hook already exists on this organization");
        assertThat(dup.getMessage()).contains("422", "Validation Failed", "Hook already exists on this organization");
    }

    @Test
    void anExhaustedPrimaryLimitPausesUntilTheResetAndEveryCallCompletes() {
        acme.createRepo("web");
        // A window long enough that five calls cannot outlast it even on a loaded machine (each call
        // is also checked against GitHub's description): the resets must come from pausing.
        fake.limits().primary("core", 5, Duration.ofSeconds(2));
        GitHubClient client = TestClients.pat(fake, token);
        long start = System.nanoTime();
        for (int i = 0; i < 12; i++) {
            assertThat(client.get("/repos/acme/web").json().path("name").asText()).isEqualTo("web");
        }
        // 12 calls at 5 per 2 s window need at least two resets.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(1_900));
        assertThat(client.counters().rateLimitPauses()).isGreaterThanOrEqualTo(2);
        assertThat(client.counters().requests()).isEqualTo(12); // paused before sending, not refused
        assertThat(fake.limits().primaryRefusals()).isZero();

        // A second client that never saw the headers is refused once, waits for the reset, completes.
        GitHubClient other = TestClients.pat(fake, token);
        fake.limits().primary("core", 5, Duration.ofSeconds(3));
        exhaust(client);
        assertThat(other.get("/repos/acme/web").status()).isEqualTo(200);
        assertThat(other.counters().rateLimitPauses()).isEqualTo(1);
    }

    /** Spends the window to 0 with at least 1.5 s of it left. */
    private static void exhaust(GitHubClient client) {
        while (true) {
            GitHubResponse r = client.get("/repos/acme/web");
            long reset = Long.parseLong(r.header("X-RateLimit-Reset").orElseThrow());
            if (r.header("X-RateLimit-Remaining").orElseThrow().equals("0")) {
                if (reset * 1000 - System.currentTimeMillis() > 1500) {
                    return;
                }
            }
        }
    }

    @Test
    void secondaryLimitsAreWaitedOutWithOrWithoutRetryAfter() {
        acme.createRepo("web");
        fake.limits().secondaryNext(1, 403, Optional.of(Duration.ofSeconds(1)), c -> c.startsWith("GET /repos/"));
        fake.limits().secondaryNext(2, 429, Optional.empty(), c -> c.startsWith("GET /repos/"));
        GitHubClient client = TestClients.pat(fake, token);
        long start = System.nanoTime();
        assertThat(client.get("/repos/acme/web").status()).isEqualTo(200);
        // retry-after: 1 s, then two refusals without it: 100 ms, 200 ms.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(1250));
        assertThat(client.counters().secondaryRetries()).isEqualTo(3);
        assertThat(fake.limits().secondaryAnswered()).isEqualTo(3);

        fake.limits().secondaryNext(20, 403, Optional.of(Duration.ZERO), c -> c.startsWith("GET /repos/"));
        assertThatThrownBy(() -> client.get("/repos/acme/web"))
                .isInstanceOfSatisfying(GitHubApiException.class, e -> {
                    assertThat(e.kind()).isEqualTo(GitHubApiException.Kind.RATE_LIMITED);
                    assertThat(e.getMessage()).contains("secondary rate limit refused 7 attempts");
                });
    }

    @Test
    void aGraphqlRateLimitErrorIsWaitedOutToo() {
        acme.createRepo(RepoSpec.named("web"));
        fake.limits().primary("graphql", 3, Duration.ofSeconds(1));
        GitHubClient client = TestClients.pat(fake, token);
        for (int i = 0; i < 5; i++) {
            JsonNode data = client.graphqlData("name", "query($o: String!, $n: String!) { repository(owner: $o, name: $n)"
                    + " { nameWithOwner } }", Map.of("o", "acme", "n", "web"), false);
            assertThat(data.path("repository").path("nameWithOwner").asText()).isEqualTo("acme/web");
        }
        assertThat(client.counters().rateLimitPauses()).isGreaterThanOrEqualTo(1);
    }
}
