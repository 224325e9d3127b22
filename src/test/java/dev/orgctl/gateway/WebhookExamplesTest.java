package dev.orgctl.gateway;

import static dev.orgctl.gateway.GatewayHarness.SECRET;
import static dev.orgctl.gateway.GatewayHarness.newDelivery;
import static dev.orgctl.gateway.GatewayHarness.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orgctl.nats.SubjectCodec;
import dev.orgctl.testing.WebhookExamples;
import dev.orgctl.testing.WebhookExamples.Example;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every real payload in {@code @octokit/webhooks-examples}, signed and posted to one real gateway
 * on one real nats-server: each is accepted and stored once, byte for byte, at the subject its
 * owner, repository and event give. The expected address is read here from the payload's tree,
 * independently of the gateway's streaming reader.
 */
class WebhookExamplesTest {
    /** Repository names that need the subject codec: a dot, NATS wildcards, the no-repository token. */
    private static final List<String> AWKWARD_NAMES = List.of(".github", "a.b*c>d", "_");

    static GatewayHarness.Running running;
    static Gateway gateway;

    @BeforeAll
    static void start() {
        running = GatewayHarness.Running.start(SECRET);
        gateway = running.gateway();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        running.close();
    }

    /** One delivery posted: what went out and where it must land. */
    @SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes, not the record
    private record Posted(String delivery, Example example, byte[] body, String subject) {
    }

    @Test
    void everyExampleIsAcceptedAndStoredOnceAtItsSubject() {
        List<Example> examples = WebhookExamples.all();
        List<Posted> posted = new ArrayList<>();
        for (Example e : examples) {
            posted.add(post(e, e.payload()));
        }
        // One example of each event that has a repository again, under names the codec must encode.
        examples.stream().filter(e -> e.payload().path("repository").isObject())
                .collect(Collectors.toMap(Example::event, Function.identity(), (a, b) -> a, LinkedHashMap::new))
                .values().forEach(e -> AWKWARD_NAMES.forEach(name -> {
                    ObjectNode renamed = e.payload().deepCopy();
                    ((ObjectNode) renamed.path("repository")).put("name", name);
                    posted.add(post(e, renamed));
                }));

        Map<String, GatewayHarness.Stored> stored = new LinkedHashMap<>();
        for (GatewayHarness.Stored s : GatewayHarness.events(running.reader())) {
            assertThat(stored.put(s.msgId(), s)).as("stored twice: %s", s.msgId()).isNull();
        }
        assertThat(stored).hasSize(posted.size());
        for (Posted p : posted) {
            GatewayHarness.Stored s = stored.get(p.delivery());
            assertThat(s).as("%s not stored", p.example()).isNotNull();
            assertThat(s.subject()).as("%s", p.example()).isEqualTo(p.subject());
            assertThat(s.data()).as("%s", p.example()).isEqualTo(p.body());
            assertThat(s.headers()).containsEntry("X-GitHub-Event", p.example().event());
        }
        assertThat(posted).filteredOn(p -> p.subject().startsWith("github._._."))
                .extracting(p -> p.example().event()).containsOnly("security_advisory").isNotEmpty();
        assertThat(posted).extracting(Posted::subject)
                .contains("github.Codertocat.%2Egithub.push", "github.Codertocat.a%2Eb%2Ac%3Ed.push",
                        "github.Codertocat.%5F.push");
    }

    private static Posted post(Example e, ObjectNode payload) {
        String delivery = newDelivery();
        byte[] body = new WebhookExamples.Example(e.event(), e.index(), payload).body();
        HttpResponse<String> r = GatewayHarness.post(gateway, e.event(), delivery,
                new String(body, StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as("%s: %s", e, r.body()).isBetween(200, 299);
        return new Posted(delivery, e, body, expectedSubject(e.event(), payload));
    }

    /** GitHub's documented addressing, read from the tree: the repository's owner, else org, installation, sender. */
    private static String expectedSubject(String event, JsonNode p) {
        Optional<String> repo = text(p.at("/repository/name"));
        Optional<String> owner = text(p.at("/repository/owner/login")).or(() -> text(p.at("/organization/login")))
                .or(() -> text(p.at("/installation/account/login"))).or(() -> text(p.at("/sender/login")));
        return "github." + owner.map(SubjectCodec::encodeToken).orElse("_") + "."
                + repo.map(SubjectCodec::encodeToken).orElse("_") + "." + event;
    }

    private static Optional<String> text(JsonNode n) {
        return n.isTextual() && !n.asText().isEmpty() ? Optional.of(n.asText()) : Optional.empty();
    }
}
