package dev.orgctl.nats;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.nats.client.impl.Headers;

/**
 * Encodes orgctl's own messages: protobuf bytes, with the full protobuf type name in the
 * {@value #TYPE_HEADER} header so a reader can refuse a message of the wrong type instead of
 * misreading it. GitHub's payloads never pass through here; they stay the JSON GitHub sent.
 */
public final class MessageCodec {
    public static final String TYPE_HEADER = "Orgctl-Type";

    private MessageCodec() {
    }

    /** An encoded message ready to publish. */
    @SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
    public record Encoded(Headers headers, byte[] body) {
    }

    public static Encoded encode(Message message) {
        Headers h = new Headers();
        h.put(TYPE_HEADER, typeName(message));
        return new Encoded(h, message.toByteArray());
    }

    public static String typeName(Message message) {
        return message.getDescriptorForType().getFullName();
    }

    /**
     * Decodes a message of the expected type.
     *
     * @throws IllegalArgumentException when the type header names another type or the bytes do not parse
     */
    public static <T extends Message> T decode(Headers headers, byte[] body, T defaultInstance) {
        String expected = typeName(defaultInstance);
        String actual = headers == null ? null : headers.getFirst(TYPE_HEADER);
        if (actual != null && !actual.equals(expected)) {
            throw new IllegalArgumentException("expected a " + expected + " message, got " + actual);
        }
        @SuppressWarnings("unchecked")
        Parser<T> parser = (Parser<T>) defaultInstance.getParserForType();
        try {
            return parser.parseFrom(body == null ? new byte[0] : body);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("cannot decode a " + expected + " message: " + e.getMessage(), e);
        }
    }

    public static <T extends Message> T decode(io.nats.client.Message msg, T defaultInstance) {
        return decode(msg.getHeaders(), msg.getData(), defaultInstance);
    }
}
