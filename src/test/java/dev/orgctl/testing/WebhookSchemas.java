package dev.orgctl.testing;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * GitHub's JSON Schema of webhook payloads ({@code @octokit/webhooks-schemas}) as a referee: the
 * schema of one event and action, and the violations of a payload against it. The package is one
 * document whose definitions are named {@code <event>$<action>}, or {@code <event>$event} for an
 * event without actions; the validator (json-schema-validator) reads Jackson 3, so payloads come in
 * as bytes.
 */
public final class WebhookSchemas {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final ObjectNode document;
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7);
    private final Map<String, Schema> byDefinition = new ConcurrentHashMap<>();

    private WebhookSchemas(ObjectNode document) {
        this.document = document;
    }

    /** The pinned package's schema. */
    public static WebhookSchemas load() {
        try {
            return new WebhookSchemas((ObjectNode) JSON.readTree(Files.readAllBytes(GitHubDescriptions.webhookSchemas())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The definition's name for an event and its action (empty for an event without actions). */
    public static String definition(String event, Optional<String> action) {
        return event + "$" + action.orElse("event");
    }

    /** The violations of a payload against the schema of its event and action; empty when it conforms. */
    public List<String> violations(String event, byte[] payload) {
        JsonNode node = JSON.readTree(payload);
        Optional<String> action = node.path("action").isString() ? Optional.of(node.path("action").asString())
                : Optional.empty();
        Schema schema = byDefinition.computeIfAbsent(definition(event, action), this::schema);
        return schema.validate(node).stream().map(WebhookSchemas::describe).toList();
    }

    private Schema schema(String definition) {
        if (!document.path("definitions").has(definition)) {
            throw new AssertionError("@octokit/webhooks-schemas has no definition " + definition);
        }
        ObjectNode root = document.deepCopy();
        root.remove("oneOf");
        root.put("$ref", "#/definitions/" + definition);
        return registry.getSchema(root);
    }

    private static String describe(Error e) {
        return e.getInstanceLocation() + ": " + e.getMessage();
    }
}
