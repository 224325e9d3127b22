package dev.orgctl.controller;

import java.util.List;
import java.util.Map;

/**
 * One message as the stages may see it: what was published and how often it was delivered,
 * without the transport's types or its ack methods.
 *
 * @param delivery which delivery this is (1 for the first)
 */
@SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
public record Inbound(String subject, Map<String, List<String>> headers, byte[] body, int delivery) {
    public Inbound {
        headers = Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    /** The first value of a header, or "" when absent. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() || values.get(0) == null ? "" : values.get(0);
    }
}
