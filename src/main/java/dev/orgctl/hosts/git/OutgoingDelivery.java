package dev.orgctl.hosts.git;

import java.util.Objects;

/**
 * One GitHub-format webhook delivery produced by the git backend: the event name
 * ({@code X-GitHub-Event}), the delivery GUID ({@code X-GitHub-Delivery}) and the raw JSON body
 * that is signed and sent as is.
 *
 * <p>Not the gateway's {@code VerifiedDelivery}: this one is on its way out, unsigned and not yet
 * routed; that one came in, was verified and carries its JetStream subject and headers.
 */
@SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
public record OutgoingDelivery(String event, String guid, byte[] body, String repository) {
    public OutgoingDelivery {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(guid, "guid");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(repository, "repository");
    }

    @Override
    public String toString() {
        return "OutgoingDelivery[" + event + " " + guid + " " + repository + ", " + body.length + " bytes]";
    }
}
