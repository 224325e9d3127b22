package dev.orgctl.bootstrap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The bootstrap state as JSON: the same document in the local file (phase one) and in the
 * {@code ORGCTL_BOOTSTRAP} bucket (phase two), so moving it is a copy, and an operator can read it.
 */
final class StateCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StateCodec() {
    }

    static byte[] encode(BootstrapState state) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        ObjectNode stages = root.putObject("stages");
        for (StageResult r : state.results().values()) {
            stages.set(r.stage().id(), encode(r));
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode encode(StageResult r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("status", r.status().name().toLowerCase(java.util.Locale.ROOT));
        n.put("at", r.at().toString());
        n.put("by", r.by());
        ObjectNode d = n.putObject("details");
        r.details().forEach(d::put);
        r.error().ifPresent(e -> n.put("error", e));
        return n;
    }

    static BootstrapState decode(byte[] bytes, String where) {
        if (bytes == null || bytes.length == 0) {
            return BootstrapState.empty();
        }
        try {
            JsonNode root = JSON.readTree(bytes);
            BootstrapState state = BootstrapState.empty();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("stages").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Optional<StageName> stage = StageName.parse(e.getKey());
                if (stage.isEmpty()) {
                    continue; // a stage of a newer orgctl: keep going with what we know
                }
                state = state.with(decode(stage.get(), e.getValue()));
            }
            return state;
        } catch (IOException | RuntimeException e) {
            throw new BootstrapException(where + " is not a readable bootstrap state (" + e.getMessage()
                    + "); move it aside and re-run 'orgctl bootstrap' to re-check every stage", e);
        }
    }

    private static StageResult decode(StageName stage, JsonNode n) {
        Map<String, String> details = new LinkedHashMap<>();
        n.path("details").fields().forEachRemaining(d -> details.put(d.getKey(), d.getValue().asText()));
        return new StageResult(stage, StageResult.Status.valueOf(n.path("status").asText("failed").toUpperCase(java.util.Locale.ROOT)),
                Instant.parse(n.path("at").asText(Instant.EPOCH.toString())), n.path("by").asText(""), details,
                n.hasNonNull("error") ? Optional.of(n.get("error").asText()) : Optional.empty());
    }
}
