package dev.orgctl.testing.github;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orgctl.testing.WebhookSchemas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every kind of delivery the fake forges (a hook's ping, a repository created, pushes that create,
 * move and delete a branch) conforms to GitHub's JSON Schema for its event and action, so a test
 * that passes against the fake's deliveries would pass against GitHub's.
 */
class FakeWebhooksSchemaTest {
    static WebhookSchemas schemas;
    GitHubFake fake;

    @BeforeAll
    static void loadSchemas() {
        schemas = WebhookSchemas.load();
    }

    @BeforeEach
    void start() {
        fake = GitHubFake.start();
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    /** Deliveries go to a closed port: the fake logs each attempt with its payload all the same. */
    private List<FakeDelivery> forgeEveryKind() {
        FakeOrg org = fake.createOrg("acme");
        org.addHook("http://127.0.0.1:9/webhooks/github", "hook-secret", List.of("*"));
        FakeRepo repo = org.createRepo("svc");
        Person alice = Person.of("alice");
        repo.push("main", alice, "Edit the readme", Map.of("README.md", "hello again\n"));
        String feature = repo.push("feature", alice, "A feature", Map.of("f.txt", "f\n"));
        fake.webhooks.push(repo, "refs/heads/feature", Optional.of(feature), Optional.empty(),
                FakeWebhooks.Actor.of(alice));
        fake.awaitDeliveries(Duration.ofSeconds(20));
        return fake.deliveries();
    }

    @Test
    void everyKindOfDeliveryTheFakeForgesConformsToItsSchema() {
        List<FakeDelivery> sent = forgeEveryKind();
        Map<String, Predicate<FakeDelivery>> kinds = Map.of(
                "ping", d -> d.event().equals("ping"),
                "repository created", d -> d.event().equals("repository") && "created".equals(d.action()),
                "branch created", d -> push(d, "created"),
                "branch moved", d -> d.event().equals("push") && !push(d, "created") && !push(d, "deleted"),
                "branch deleted", d -> push(d, "deleted"));
        kinds.forEach((kind, test) -> assertThat(sent).as(kind).anyMatch(test));
        for (FakeDelivery d : sent) {
            assertThat(schemas.violations(d.event(), d.payload())).as(d.event() + " " + body(d)).isEmpty();
        }
    }

    @Test
    void aDeliveryWithoutARequiredFieldIsRefused() throws Exception {
        List<FakeDelivery> sent = forgeEveryKind();
        FakeDelivery ping = sent.stream().filter(d -> d.event().equals("ping")).findFirst().orElseThrow();
        ObjectNode noHookId = (ObjectNode) body(ping);
        noHookId.remove("hook_id");
        assertThat(schemas.violations("ping", GitHubFake.JSON.writeValueAsBytes(noHookId)))
                .anyMatch(v -> v.contains("hook_id"));
        FakeDelivery push = sent.stream().filter(d -> d.event().equals("push")).findFirst().orElseThrow();
        ObjectNode noOwnerLogin = (ObjectNode) body(push);
        ((ObjectNode) noOwnerLogin.path("sender")).remove("avatar_url");
        assertThat(schemas.violations("push", GitHubFake.JSON.writeValueAsBytes(noOwnerLogin)))
                .anyMatch(v -> v.contains("avatar_url"));
    }

    private static boolean push(FakeDelivery d, String flag) {
        return d.event().equals("push") && body(d).path(flag).asBoolean();
    }

    private static JsonNode body(FakeDelivery d) {
        try {
            return GitHubFake.JSON.readTree(d.payload());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
