package dev.orgctl.testing.github.conformance;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orgctl.hosts.github.AppJwt;
import dev.orgctl.testing.github.AppKeys;
import dev.orgctl.testing.github.FakeRepo;
import dev.orgctl.testing.github.GitHubFake;
import dev.orgctl.testing.github.Person;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every REST route the fake serves, called once the way GitHub documents it: the referee checks
 * the fake's answers even where orgctl's own tests do not reach (orgctl reads trees and pull
 * requests through GraphQL, for example).
 */
class FakeRoutesConformanceTest {
    private static final KeyPair KEY = AppKeys.generate();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private GitHubFake fake;
    private FakeRepo web;
    private String token;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
        web = fake.createOrg("acme").createRepo("web");
        token = fake.createToken("octo", "repo", "admin:org_hook", "workflow");
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private JsonNode call(int expected, String method, String path, String body, String auth)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fake.url() + path))
                .header("Authorization", "Bearer " + auth)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", RestDescription.API_VERSION)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(expected);
        return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }

    private JsonNode call(int expected, String method, String path, String body) throws Exception {
        return call(expected, method, path, body, token);
    }

    @Test
    void repositoriesGitDataAndPullRequestsAnswerInGitHubsShapes() throws Exception {
        call(200, "GET", "/rate_limit", null);
        call(201, "POST", "/orgs/acme/repos", "{\"name\":\"api\",\"private\":true,\"auto_init\":true}");
        call(200, "GET", "/orgs/acme/repos?per_page=100&type=all&sort=full_name", null);
        String main = call(200, "GET", "/repos/acme/web/git/ref/heads/main", null).path("object").path("sha").asText();
        call(200, "GET", "/repos/acme/web/git/matching-refs/heads/", null);
        String tree = call(200, "GET", "/repos/acme/web/git/commits/" + main, null).path("tree").path("sha").asText();
        String blob = call(200, "GET", "/repos/acme/web/git/trees/" + tree + "?recursive=1", null)
                .path("tree").path(0).path("sha").asText();
        call(200, "GET", "/repos/acme/web/git/blobs/" + blob, null);
        String newBlob = call(201, "POST", "/repos/acme/web/git/blobs",
                "{\"content\":\"aGVsbG8K\",\"encoding\":\"base64\"}").path("sha").asText();
        String newTree = call(201, "POST", "/repos/acme/web/git/trees", "{\"base_tree\":\"" + tree
                + "\",\"tree\":[{\"path\":\"hello.txt\",\"mode\":\"100644\",\"type\":\"blob\",\"sha\":\"" + newBlob
                + "\"}]}").path("sha").asText();
        String commit = call(201, "POST", "/repos/acme/web/git/commits", "{\"message\":\"hello\",\"tree\":\""
                + newTree + "\",\"parents\":[\"" + main + "\"]}").path("sha").asText();
        call(201, "POST", "/repos/acme/web/git/refs", "{\"ref\":\"refs/heads/feature/x\",\"sha\":\"" + main + "\"}");
        call(200, "PATCH", "/repos/acme/web/git/refs/heads/feature/x", "{\"sha\":\"" + commit + "\",\"force\":false}");
        call(201, "POST", "/repos/acme/web/pulls",
                "{\"title\":\"Hello\",\"head\":\"feature/x\",\"base\":\"main\",\"body\":\"why\"}");
        call(200, "GET", "/repos/acme/web/pulls?state=open&head=acme:feature/x&base=main&per_page=100", null);
        call(200, "GET", "/repos/acme/web/pulls/1", null);
        call(201, "POST", "/repos/acme/web/issues/1/comments", "{\"body\":\"updated\"}");
        call(200, "PATCH", "/repos/acme/web/pulls/1", "{\"state\":\"closed\"}");
        call(204, "DELETE", "/repos/acme/web/git/refs/heads/feature/x", null);
        call(404, "GET", "/repos/acme/web/git/ref/heads/feature/x", null);
        call(422, "POST", "/repos/acme/web/git/refs", "{\"ref\":\"refs/heads/main\",\"sha\":\"" + main + "\"}");

        assertThat(fake.conformance().violations()).isEmpty();
    }

    @Test
    void webhooksAndTheirDeliveriesAnswerInGitHubsShapes() throws Exception {
        long id = call(201, "POST", "/orgs/acme/hooks", "{\"name\":\"web\",\"active\":true,\"events\":[\"push\"],"
                + "\"config\":{\"url\":\"http://127.0.0.1:9/hook\",\"content_type\":\"json\",\"insecure_ssl\":\"0\","
                + "\"secret\":\"s3cret\"}}").path("id").asLong();
        call(200, "GET", "/orgs/acme/hooks?per_page=100", null);
        call(200, "GET", "/orgs/acme/hooks/" + id, null);
        call(200, "PATCH", "/orgs/acme/hooks/" + id, "{\"events\":[\"push\",\"repository\"],\"active\":true}");
        call(204, "POST", "/orgs/acme/hooks/" + id + "/pings", null);
        fake.awaitDeliveries(Duration.ofSeconds(10));
        long delivery = call(200, "GET", "/orgs/acme/hooks/" + id + "/deliveries?per_page=100", null)
                .path(0).path("id").asLong();
        call(200, "GET", "/orgs/acme/hooks/" + id + "/deliveries/" + delivery, null);
        call(202, "POST", "/orgs/acme/hooks/" + id + "/deliveries/" + delivery + "/attempts", null);
        call(204, "DELETE", "/orgs/acme/hooks/" + id, null);

        assertThat(fake.conformance().violations()).isEmpty();
    }

    @Test
    void theAppAndItsInstallationAnswerInGitHubsShapes() throws Exception {
        fake.registerApp(77, "orgctl-test", KEY.getPublic());
        long installation = fake.installApp(77, "acme", Map.of("contents", "write", "metadata", "read"));
        String jwt = AppJwt.create(77, KEY.getPrivate(), Instant.now());

        call(200, "GET", "/app", null, jwt);
        call(200, "GET", "/orgs/acme/installation", null, jwt);
        String installationToken = call(201, "POST", "/app/installations/" + installation + "/access_tokens", null, jwt)
                .path("token").asText();
        call(200, "GET", "/repos/acme/web", null, installationToken);
        web.push("main", Person.of("alice"), "edit", Map.of("README.md", "hi\n"));

        assertThat(fake.conformance().violations()).isEmpty();
    }
}
