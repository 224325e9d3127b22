package dev.orgctl.controller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orgctl.coordination.KeyCodec;
import dev.orgctl.nats.NatsUnavailableException;
import dev.orgctl.regen.preview.Impact;
import dev.orgctl.regen.preview.ImpactText;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;

/**
 * The git backend's template previews, one entry per templates branch in {@code ORGCTL_PREVIEWS}
 * (key: the encoded {@code org/branch}), as JSON: what {@code orgctl regen preview BRANCH} prints.
 * The report is {@link ImpactText}'s, its diffs cut at {@link #DIFF_BUDGET} characters to fit the
 * bucket's value limit.
 */
public final class PreviewStore implements PreviewTrigger.Publisher {
    /** Diff text kept in one report; the rest of the groups are counted. */
    static final int DIFF_BUDGET = 200_000; // under NATS's 1 MB message limit even with JSON escapes and UTF-8
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One stored preview.
     *
     * @param conclusion success, failure or neutral; "error" when the preview could not be made
     * @param summary    one line of counts ({@link ImpactText#summary}), or the error
     * @param report     the Markdown report ("" for an error)
     */
    public record Report(String org, String branch, String head, String base, String conclusion, String summary,
                         String report, String finishedAt) {
    }

    private final KeyValue kv;
    private final Clock clock;

    public PreviewStore(KeyValue kv, Clock clock) {
        this.kv = kv;
        this.clock = clock;
    }

    static String key(String org, String branch) {
        return KeyCodec.encode(org + "/" + branch);
    }

    @Override
    public void publish(PreviewTrigger.Request request, Impact impact) {
        put(new Report(request.org(), request.branch(), impact.headSha(), impact.baseSha().orElse(""),
                impact.conclusion().name().toLowerCase(java.util.Locale.ROOT), ImpactText.summary(impact),
                ImpactText.markdown(impact, DIFF_BUDGET), clock.instant().toString()));
    }

    @Override
    public void failed(PreviewTrigger.Request request, String error) {
        put(new Report(request.org(), request.branch(), request.head(), "", "error", error, "",
                clock.instant().toString()));
    }

    @Override
    public void forget(String org, String branch) {
        try {
            kv.delete(key(org, branch));
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot delete from ORGCTL_PREVIEWS: " + e.getMessage(), e);
        }
    }

    /** The stored preview of a branch, if any. */
    public Optional<Report> read(String org, String branch) {
        try {
            KeyValueEntry e = kv.get(key(org, branch));
            if (e == null || e.getValue() == null) {
                return Optional.empty();
            }
            return Optional.of(JSON.readValue(e.getValue(), Report.class));
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot read ORGCTL_PREVIEWS: " + e.getMessage(), e);
        }
    }

    private void put(Report r) {
        try {
            kv.put(key(r.org(), r.branch()), JSON.writeValueAsBytes(r));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a preview report is always JSON", e);
        } catch (IOException | JetStreamApiException e) {
            throw new NatsUnavailableException("cannot record the preview in ORGCTL_PREVIEWS: " + e.getMessage(), e);
        }
    }
}
