package dev.orgctl.hosts.git;

import java.util.Objects;

/**
 * One GitHub-format webhook delivery produced by the git backend: the event name
 * ({@code X-GitHub-Event}), the delivery GUID ({@code X-GitHub-Delivery}) and the raw JSON body
 * that is signed and sent as is.
 */
@SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
public record Delivery(String event, String guid, byte[] body, String repository) {
    public Delivery {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(guid, "guid");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(repository, "repository");
    }

    @Override
    public String toString() {
        return "Delivery[" + event + " " + guid + " " + repository + ", " + body.length + " bytes]";
    }
}
