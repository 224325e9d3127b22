package dev.orgctl.testing.github;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.GitHubDescriptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fake's {@code pull_request} and {@code check_suite} deliveries against GitHub's published
 * JSON Schema for them ({@code @octokit/webhooks-schemas}): a payload the schema refuses is a fake
 * that would let a wrong parser pass.
 */
class FakePullEventsConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Person ALICE = Person.of("alice");
    private GitHubFake fake;

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private static Schema schema(String definition) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(GitHubDescriptions.webhookSchemas().toFile());
        root.put("$ref", "#/definitions/" + definition);
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(root.toString(), InputFormat.JSON);
    }

    @Test
    void openedSynchronizeAndRerequestedMatchGitHubsSchemas() throws IOException {
        FakeOrg acme = fake.createOrg("acme");
        acme.addHook("http://127.0.0.1:9/webhooks/github", "s", List.of("pull_request", "check_suite"));
        FakeRepo templates = acme.createRepo(RepoSpec.named(".github").files(SampleTemplates.files()));
        templates.createBranch("change", "main", ALICE);
        templates.push("change", ALICE, "one", Map.of("templates/github/x", "1\n"));
        templates.openPull("change", "main", ALICE, "Change");
        String head = templates.push("change", ALICE, "two", Map.of("templates/github/x", "2\n"));
        fake.registerApp(91, "orgctl", AppKeys.generate().getPublic());
        templates.rerequestChecks(head, 91, ALICE);
        fake.awaitDeliveries(Duration.ofSeconds(10));

        int checked = 0;
        for (FakeDelivery d : fake.deliveries()) {
            if (d.event().equals("pull_request") || d.event().equals("check_suite")) {
                String payload = new String(d.payload(), StandardCharsets.UTF_8);
                List<String> errors = schema(d.event() + "$" + d.action()).validate(payload, InputFormat.JSON).stream()
                        .map(Object::toString).toList();
                assertThat(errors).as(d.event() + " " + d.action()).isEmpty();
                checked++;
            }
        }
        assertThat(checked).isEqualTo(3);
    }
}
