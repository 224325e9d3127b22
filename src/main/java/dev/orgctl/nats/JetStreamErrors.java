package dev.orgctl.nats;

import io.nats.client.JetStreamApiException;
import io.nats.client.support.NatsJetStreamConstants;

/**
 * JetStream's API error codes that orgctl tests for. jnats names most of them
 * ({@link NatsJetStreamConstants}); the ones it lacks are here under the server's own names
 * (nats-server {@code server/errors.json}), so no caller writes a bare number.
 */
public final class JetStreamErrors {
    /** {@code JSStreamNotFoundErr}, "stream not found": also the answer about a KV bucket that does not exist. */
    public static final int JS_STREAM_NOT_FOUND_ERR = 10059;

    private JetStreamErrors() {
    }

    /**
     * Whether the server refused a compare-and-set write because the key's last revision was not the
     * one named: {@code JSStreamWrongLastSequenceErrF} (10071; also the answer to a create of a key
     * that exists), or {@code JSStreamWrongLastSequenceConstantErr} (10164, which jnats calls
     * {@link NatsJetStreamConstants#JS_SEQUENCE_TEMPORARILY_UNKNOWN}: a clustered stream with another
     * write to the same key in flight). Either way this write did not happen: re-read and decide again.
     */
    public static boolean isConflict(JetStreamApiException e) {
        int code = e.getApiErrorCode();
        return code == NatsJetStreamConstants.JS_WRONG_LAST_SEQUENCE
                || code == NatsJetStreamConstants.JS_SEQUENCE_TEMPORARILY_UNKNOWN;
    }

    /** {@code JSNoMessageFoundErr}: a direct get or last-by-subject found nothing. */
    public static boolean isNoMessage(JetStreamApiException e) {
        return e.getApiErrorCode() == NatsJetStreamConstants.JS_NO_MESSAGE_FOUND_ERR;
    }
}
