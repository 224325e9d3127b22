package dev.orgctl.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The real payloads GitHub sent, from {@code @octokit/webhooks-examples}: its
 * {@code api.github.com/index.json} lists every event with its examples (one JSON object each).
 */
public final class WebhookExamples {
    private static final ObjectMapper JSON = new ObjectMapper();

    private WebhookExamples() {
    }

    /** One example: its event, its place among the event's examples, and the payload. */
    public record Example(String event, int index, ObjectNode payload) {
        public Optional<String> action() {
            JsonNode a = payload.path("action");
            return a.isTextual() ? Optional.of(a.asText()) : Optional.empty();
        }

        /** The payload as the bytes of a delivery's body. */
        public byte[] body() {
            try {
                return JSON.writeValueAsBytes(payload);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public String toString() {
            return event + "[" + index + "]" + action().map(a -> " " + a).orElse("");
        }
    }

    /** Every example of the pinned package, event by event in the package's order. */
    public static List<Example> all() {
        Path index = GitHubDescriptions.webhookExamples().resolve("index.json");
        try {
            List<Example> out = new ArrayList<>();
            for (JsonNode event : JSON.readTree(Files.readAllBytes(index))) {
                int i = 0;
                for (JsonNode example : event.path("examples")) {
                    out.add(new Example(event.path("name").asText(), i++, (ObjectNode) example));
                }
            }
            if (out.isEmpty()) {
                throw new AssertionError(index + " lists no examples: the package's layout changed");
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
