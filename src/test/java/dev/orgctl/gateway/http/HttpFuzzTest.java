package dev.orgctl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.orgctl.gateway.Payloads;
import java.util.ArrayList;
import java.util.List;

/**
 * Jazzer fuzz targets. Under {@code ./test} they run as regression tests over the seeds in
 * {@code src/test/resources/.../HttpFuzzTestInputs} (and the corpus a fuzzing run left in
 * {@code .cifuzz-corpus}, which is not committed); {@code HttpFuzzBoundedTest} fuzzes them for a
 * bounded time; the README's fuzz command runs one for as long as you like.
 */
class HttpFuzzTest {

    /** Bytes in, answers out: any input, in any number of writes, gets well-formed answers and leaves nothing held. */
    @FuzzTest(maxDuration = "10m")
    void requestPath(FuzzedDataProvider data) {
        List<byte[]> pieces = new ArrayList<>();
        int writes = data.consumeInt(1, 4);
        for (int i = 0; i < writes - 1; i++) {
            pieces.add(data.consumeBytes(data.consumeInt(0, 256)));
        }
        pieces.add(data.consumeRemainingAsBytes());
        FuzzTarget.check(FuzzTarget.run(pieces));
    }

    /** Payload parsing: a document or InvalidPayload, never another exception, and the JSON is one object. */
    @FuzzTest(maxDuration = "10m")
    void payloadParsing(FuzzedDataProvider data) {
        Payloads.ContentType type = data.consumeBoolean() ? Payloads.ContentType.JSON : Payloads.ContentType.FORM;
        String event = data.consumeString(70);
        byte[] body = data.consumeRemainingAsBytes();
        try {
            Payloads.Document doc = Payloads.document(type, body);
            assertThat(doc.json()).isNotEmpty();
            Payloads.address(event, doc);
        } catch (Payloads.InvalidPayload e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
        }
    }
}
