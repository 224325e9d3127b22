package dev.orgctl.controller.preview;

import java.util.Objects;
import java.util.Optional;

/**
 * A pull request to the templates repository whose head should be previewed.
 *
 * @param number       the pull request's number
 * @param headSha      the head commit to preview
 * @param baseRef      the branch it would merge into: the head is compared with the templates there
 * @param previousHead the head this one replaces (a {@code synchronize} delivery's {@code before}):
 *                     its check run, if still in progress, is completed as superseded
 * @param causation    the delivery that asked for it, kept as the check run's {@code external_id}
 * @param again        a new run even when the head already has its result (checks asked for again)
 */
public record PreviewRequest(String org, int number, String headSha, String baseRef, Optional<String> previousHead,
                             String causation, boolean again) {
    public PreviewRequest(String org, int number, String headSha, String baseRef, Optional<String> previousHead,
                          String causation) {
        this(org, number, headSha, baseRef, previousHead, causation, false);
    }

    public PreviewRequest {
        Objects.requireNonNull(org, "org");
        Objects.requireNonNull(headSha, "headSha");
        Objects.requireNonNull(baseRef, "baseRef");
        Objects.requireNonNull(previousHead, "previousHead");
        Objects.requireNonNull(causation, "causation");
        if (!headSha.matches("[0-9a-f]{40}")) {
            throw new IllegalArgumentException("a preview's head is a full commit id, not '" + headSha + "'");
        }
    }
}
