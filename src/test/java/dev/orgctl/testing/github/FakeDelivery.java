package dev.orgctl.testing.github;

import java.time.Instant;
import java.util.Map;

/**
 * One delivery attempt of a hook: what was sent and what the receiver answered. Redeliveries are
 * new attempts with the same {@code guid}.
 */
@SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
public record FakeDelivery(long id, long hookId, String guid, Instant deliveredAt, boolean redelivery, double duration,
                           String status, int statusCode, String event, String action, Long repositoryId,
                           Long installationId, String url, Map<String, String> requestHeaders, byte[] payload,
                           String responseBody) {
    public boolean ok() {
        return statusCode >= 200 && statusCode < 300;
    }
}
