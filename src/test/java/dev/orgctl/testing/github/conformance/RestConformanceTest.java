package dev.orgctl.testing.github.conformance;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orgctl.testing.github.GitHubFake;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The referee bites: a wrong path, method, body, header or answer each becomes a named violation. */
class RestConformanceTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private GitHubFake fake;
    private String token;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
        fake.createOrg("acme").createRepo("web");
        token = fake.createToken("octo", "repo", "admin:org_hook");
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private HttpResponse<String> send(String method, String path, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fake.url() + path))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/vnd.github+json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
    }

    @Test
    void aConformingCallIsServedAndCounted() throws Exception {
        long before = Tallies.snapshot().getOrDefault("git/get-ref\tGET /repos/{owner}/{repo}/git/ref/{ref}", 0L);

        HttpResponse<String> r = send("GET", "/repos/acme/web/git/ref/heads/main", null,
                Map.of("X-GitHub-Api-Version", RestDescription.API_VERSION));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(fake.conformance().violations()).isEmpty();
        assertThat(Tallies.snapshot()).containsEntry("git/get-ref\tGET /repos/{owner}/{repo}/git/ref/{ref}", before + 1);
    }

    @Test
    void aPathGitHubDoesNotHaveIsRefusedAndRecorded() throws Exception {
        HttpResponse<String> r = send("GET", "/repos/acme/web/git/reference/heads/main", null, Map.of());

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("no operation of GitHub's REST description has the path "
                + "/repos/acme/web/git/reference/heads/main");
        assertThat(fake.conformance().takeViolations()).singleElement().hasToString(
                "request GET /repos/acme/web/git/reference/heads/main: no operation of GitHub's REST description "
                        + "has the path /repos/acme/web/git/reference/heads/main");
    }

    @Test
    void aMethodTheOperationLacksIsRefused() throws Exception {
        HttpResponse<String> r = send("PUT", "/orgs/acme/hooks/1", "{}", Map.of());

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(fake.conformance().takeViolations()).singleElement().asString()
                .contains("PUT is not an operation of /orgs/{org}/hooks/{hook_id}");
    }

    @Test
    void aMisspelledBodyFieldIsRefusedBeforeTheFakeActs() throws Exception {
        HttpResponse<String> r = send("POST", "/orgs/acme/hooks",
                "{\"name\":\"web\",\"config\":{\"url\":\"http://127.0.0.1:9/x\",\"contnet_type\":\"json\"}}", Map.of());

        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(fake.requireOrg("acme").hooks()).isEmpty();
        List<Violation> found = fake.conformance().takeViolations();
        assertThat(found).singleElement().satisfies(v -> {
            assertThat(v.side()).isEqualTo(Violation.Side.REQUEST);
            assertThat(v.operation()).isEqualTo("orgs/create-webhook (POST /orgs/{org}/hooks)");
            assertThat(v.problems()).singleElement().asString()
                    .contains("/config").contains("not allowed").contains("contnet_type");
        });
    }

    @Test
    void aQueryParameterTheOperationDoesNotTakeIsRefused() throws Exception {
        HttpResponse<String> r = send("GET", "/orgs/acme/repos?per_page=100&sort=fullname&order=asc", null, Map.of());

        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(fake.conformance().takeViolations()).singleElement().asString()
                .contains("Instance value (\"fullname\") not found in enum")
                .contains("Query parameter 'order' is unexpected on path \"/orgs/{org}/repos\"");
    }

    @Test
    void anUnsupportedApiVersionOrMediaTypeIsRefused() throws Exception {
        HttpResponse<String> r = send("GET", "/repos/acme/web", null,
                Map.of("X-GitHub-Api-Version", "2021-01-01"));

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(fake.conformance().takeViolations()).singleElement().asString()
                .contains("X-GitHub-Api-Version 2021-01-01 is not a supported version");

        HttpRequest xml = HttpRequest.newBuilder(URI.create(fake.url() + "/repos/acme/web"))
                .header("Authorization", "Bearer " + token).header("Accept", "application/xml").build();
        assertThat(http.send(xml, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(422);
        assertThat(fake.conformance().takeViolations()).singleElement().asString()
                .contains("Accept application/xml is neither GitHub's JSON media type");
    }

    @Test
    void aRequestWithoutUserAgentIsRefusedAsGitHubDoes() {
        RestReferee referee = new RestReferee(RestDescription.shared());

        RestReferee.Verdict v = referee.request(new RestCall("GET", "/repos/acme/web", null, Map.of(), new byte[0]));

        assertThat(v).isEqualTo(new RestReferee.Refused(403, "Request does not conform to repos/get "
                + "(GET /repos/{owner}/{repo}): no User-Agent header (GitHub refuses requests without one)"));
        assertThat(referee.violations()).hasSize(1);
    }

    @Test
    void anAnswerMissingARequiredFieldIsAViolationOfTheFake() {
        RestReferee referee = new RestReferee(RestDescription.shared());
        RestReferee.Verdict v = referee.request(new RestCall("GET", "/repos/acme/web/git/ref/heads/main", null,
                Map.of("accept", List.of("application/vnd.github+json"), "user-agent", List.of("orgctl-test")),
                new byte[0]));
        assertThat(v).isInstanceOf(RestReferee.Checked.class);

        referee.response((RestReferee.Checked) v, 200, "application/json; charset=utf-8",
                "{\"ref\":\"refs/heads/main\",\"url\":\"http://x/\",\"object\":{\"sha\":\"abc\",\"type\":\"commit\",\"url\":\"http://x/\"}}"
                        .getBytes(UTF_8));
        referee.response((RestReferee.Checked) v, 418, null, new byte[0]);

        assertThat(referee.violations()).hasSize(2);
        assertThat(referee.violations().get(0)).satisfies(found -> {
            assertThat(found.side()).isEqualTo(Violation.Side.RESPONSE);
            assertThat(found.toString()).startsWith("fake's response to GET /repos/acme/web/git/ref/heads/main -> 200 "
                    + "[git/get-ref (GET /repos/{owner}/{repo}/git/ref/{ref})]")
                    .contains("missing required properties").contains("node_id");
        });
        assertThat(referee.violations().get(1).problems()).singleElement().asString()
                .startsWith("status 418 is not documented for this operation");
    }

    @Test
    void closingTheFakeFailsTheTestWithEveryViolation() throws Exception {
        GitHubFake other = GitHubFake.start();
        other.createOrg("acme");
        String t = other.createToken("octo", "repo");
        HttpRequest wrong = HttpRequest.newBuilder(URI.create(other.url() + "/orgs/acme/repositories"))
                .header("Authorization", "Bearer " + t).build();
        assertThat(http.send(wrong, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);

        assertThatThrownBy(other::close).isInstanceOf(AssertionError.class)
                .hasMessageContaining("1 call(s) do not conform to GitHub's REST description @octokit/openapi@")
                .hasMessageContaining("request GET /orgs/acme/repositories: no operation");
    }

    @Test
    void graphqlIsLeftToItsOwnReferee() throws Exception {
        HttpResponse<String> r = send("POST", "/graphql", "{\"query\":\"{ rateLimit { remaining } }\"}", Map.of());

        assertThat(r.statusCode()).isNotEqualTo(404);
        assertThat(fake.conformance().violations()).isEmpty();
    }
}
