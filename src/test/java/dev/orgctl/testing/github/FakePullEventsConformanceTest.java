package dev.orgctl.testing.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.regen.SampleTemplates;
import dev.orgctl.testing.WebhookSchemas;
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
    private static final WebhookSchemas SCHEMAS = WebhookSchemas.load();
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

    @Test
    void openedSynchronizeAndRerequestedMatchGitHubsSchemas() {
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
                assertThat(SCHEMAS.violations(d.event(), d.payload())).as(d.event() + " " + d.action()).isEmpty();
                checked++;
            }
        }
        assertThat(checked).isEqualTo(3);
    }
}
