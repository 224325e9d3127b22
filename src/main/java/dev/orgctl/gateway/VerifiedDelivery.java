package dev.orgctl.gateway;

import java.util.Map;

/**
 * One verified delivery, ready to publish: what the gateway took in, checked and routed. (The git
 * backend's {@code OutgoingDelivery} is the other side: a delivery it builds, signs and sends.)
 *
 * @param id      the {@code X-GitHub-Delivery} GUID: the JetStream message id, the de-duplication key
 * @param event   the {@code X-GitHub-Event} name
 * @param subject {@code github.<org>.<repo>.<event>}, tokens encoded by the foundation's codec
 * @param headers the GitHub headers to carry on the message, by name (event, delivery, hook id, ...)
 * @param json    the JSON document exactly as GitHub sent it (decoded from the form for form bodies)
 */
@SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
public record VerifiedDelivery(String id, String event, String subject, Map<String, String> headers, byte[] json) {
    public VerifiedDelivery {
        headers = Map.copyOf(headers);
    }
}
