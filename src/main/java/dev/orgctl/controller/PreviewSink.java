package dev.orgctl.controller;

/**
 * Where the event stage hands a {@link Classification.Preview}: the preview's own queue and
 * workflow ({@code preview/<org>/<number>}), which coalesces a burst of pushes into one run for the
 * newest head. Until a deployment wires one, previews are logged and dropped ({@link #DISABLED}).
 */
@FunctionalInterface
public interface PreviewSink {
    /** Returns what happened, for the log: {@code queued}, {@code coalesced}, {@code disabled}. */
    String schedule(Classification.Preview preview, String causationId);

    PreviewSink DISABLED = (p, causation) -> "disabled";
}
