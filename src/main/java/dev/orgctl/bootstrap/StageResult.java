package dev.orgctl.bootstrap;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The recorded outcome of one stage: what happened, when, by whom, with what details, and the
 * error when it failed. {@code details} carries what later stages and re-runs need (a server's
 * URL, a hook id).
 */
public record StageResult(
        StageName stage,
        Status status,
        Instant at,
        String by,
        Map<String, String> details,
        Optional<String> error) {

    public StageResult {
        details = Map.copyOf(details);
    }

    public enum Status {
        /** The stage did its work. */
        DONE,
        /** The stage found its work already done (a running server, an existing hook) and took it over. */
        ADOPTED,
        /** The stage failed; a re-run resumes here. */
        FAILED,
        /** Started and not finished: the process died inside the stage; a re-run resumes here. */
        STARTED;

        public boolean complete() {
            return this == DONE || this == ADOPTED;
        }
    }

    public static StageResult of(StageName stage, Status status, String by, Map<String, String> details,
                                 Optional<String> error) {
        return new StageResult(stage, status, Instant.now(), by, details, error);
    }
}
