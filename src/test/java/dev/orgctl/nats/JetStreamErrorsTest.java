package dev.orgctl.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.nats.client.JetStreamApiException;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The server's refusals as jnats reads them off the wire (a publish answer carrying an error), so
 * that codes no single test server produces (10164 comes from clustered streams) are covered too.
 */
class JetStreamErrorsTest {
    private static JetStreamApiException answer(int errCode, String description) {
        String json = "{\"error\":{\"code\":400,\"err_code\":" + errCode + ",\"description\":\"" + description + "\"}}";
        NatsMessage reply = NatsMessage.builder().subject("_INBOX.x").data(json.getBytes(StandardCharsets.UTF_8)).build();
        return catchThrowableOfType(() -> new PublishAck(reply), JetStreamApiException.class);
    }

    @Test
    void wrongLastSequenceInBothItsFormsIsAConflict() {
        assertThat(JetStreamErrors.isConflict(answer(10071, "wrong last sequence: 7"))).isTrue();
        assertThat(JetStreamErrors.isConflict(answer(10164, "wrong last sequence"))).isTrue();
    }

    @Test
    void otherRefusalsAreNotConflicts() {
        assertThat(JetStreamErrors.isConflict(answer(10054, "message size exceeds maximum allowed"))).isFalse();
        assertThat(JetStreamErrors.isConflict(answer(JetStreamErrors.JS_STREAM_NOT_FOUND_ERR, "stream not found")))
                .isFalse();
        assertThat(JetStreamErrors.isConflict(answer(10037, "no message found"))).isFalse();
    }

    @Test
    void noMessageFoundIsRecognised() {
        assertThat(JetStreamErrors.isNoMessage(answer(10037, "no message found"))).isTrue();
        assertThat(JetStreamErrors.isNoMessage(answer(10071, "wrong last sequence: 7"))).isFalse();
    }
}
