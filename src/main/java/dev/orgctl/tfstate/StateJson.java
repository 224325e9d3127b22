package dev.orgctl.tfstate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;

/**
 * What orgctl reads from a state Terraform writes: that it is one JSON object, and its
 * {@code serial} and {@code lineage} (-1 and "" when absent).
 */
record StateJson(long serial, String lineage) {
    // States of tens of MB may hold one long string: no limit below the body limit's.
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build()).build();

    /** Reads the top level only, streaming: the rest is checked for syntax and skipped, never held. */
    static StateJson of(byte[] state) {
        long serial = -1;
        String lineage = "";
        try (JsonParser p = FACTORY.createParser(state)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadState("the state is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("serial".equals(field) && value == JsonToken.VALUE_NUMBER_INT) {
                    serial = p.getLongValue();
                } else if ("lineage".equals(field) && value == JsonToken.VALUE_STRING) {
                    lineage = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new BadState("the state has more after its JSON object");
            }
        } catch (JsonProcessingException e) {
            // Only the place: the parser's message quotes the input, and a state holds secrets.
            var at = e.getLocation();
            throw new BadState("the state is not JSON" + (at == null ? "" : " (line " + at.getLineNr()
                    + ", column " + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw new BadState("the state is not JSON");
        }
        return new StateJson(serial, lineage);
    }

    /** The bytes of a write are not a Terraform state (not a JSON object): the answer is 400. */
    public static final class BadState extends TfstateException {
        public BadState(String message) {
            super(message, false);
        }
    }
}
