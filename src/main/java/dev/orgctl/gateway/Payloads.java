package dev.orgctl.gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.orgctl.nats.SubjectCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/**
 * What a delivery's body means: the two content types GitHub sends, the JSON document inside, and
 * the address ({@code github.<org>.<repo>.<event>}) it is published under.
 */
public final class Payloads {
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
            .build();
    /** GitHub logins are at most 39 characters and repository names at most 100; leave room, refuse abuse. */
    static final int MAX_NAME_LENGTH = 200;

    private Payloads() {
    }

    /** The two content types GitHub can be configured to send. */
    public enum ContentType {
        JSON,
        FORM;

        /** Parses a {@code Content-Type} header; empty when it is neither of GitHub's two. */
        public static Optional<ContentType> of(String header) {
            if (header == null) {
                return Optional.empty();
            }
            int semi = header.indexOf(';');
            String media = (semi < 0 ? header : header.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
            if (media.equals("application/json")) {
                return Optional.of(JSON);
            }
            if (media.equals("application/x-www-form-urlencoded")) {
                return Optional.of(FORM);
            }
            return Optional.empty();
        }
    }

    /** The body is not what GitHub sends; the message says why, in words fit for the sender. */
    public static final class InvalidPayload extends Exception {
        public InvalidPayload(String message) {
            super(message, null, false, false);
        }
    }

    /** A parsed delivery document: its exact JSON bytes and the tree read from them. */
    public record Document(byte[] json, JsonNode tree) {
    }

    /**
     * The JSON document of a body: the body itself for {@code application/json}, the URL-decoded
     * {@code payload} field for the form encoding. It must be one JSON object.
     */
    public static Document document(ContentType type, byte[] body) throws InvalidPayload {
        byte[] json = type == ContentType.FORM ? formPayload(body) : body;
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (IOException e) {
            throw new InvalidPayload("body is not valid JSON");
        }
        if (tree == null || !tree.isObject()) {
            throw new InvalidPayload("body is not a JSON object");
        }
        return new Document(json, tree);
    }

    /** The URL-decoded value of the {@code payload} field of a form body. */
    static byte[] formPayload(byte[] body) throws InvalidPayload {
        int start = 0;
        while (start <= body.length) {
            int end = indexOf(body, (byte) '&', start);
            if (end < 0) {
                end = body.length;
            }
            if (end - start >= 8 && startsWith(body, start, "payload=")) {
                return urlDecode(body, start + 8, end);
            }
            start = end + 1;
        }
        throw new InvalidPayload("form body has no payload field");
    }

    private static byte[] urlDecode(byte[] b, int from, int to) throws InvalidPayload {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c == '+') {
                out.write(' ');
            } else if (c == '%') {
                if (i + 2 >= to) {
                    throw new InvalidPayload("form payload has a truncated %-escape");
                }
                int hi = Character.digit(b[i + 1], 16);
                int lo = Character.digit(b[i + 2], 16);
                if (hi < 0 || lo < 0) {
                    throw new InvalidPayload("form payload has an invalid %-escape");
                }
                out.write((hi << 4) | lo);
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] b, byte c, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] b, int at, String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            if (b[at + i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where a delivery goes. The organization is the owner of the repository when there is one,
     * else the {@code organization}, else the installation's account, else the sender; the
     * repository is absent for org-level events ({@code organization}, {@code member} of an org,
     * {@code installation}, ...), which the subject spells {@code _}.
     */
    public static SubjectCodec.Address address(String event, JsonNode doc) throws InvalidPayload {
        Optional<String> repo = text(doc.path("repository").path("name"));
        Optional<String> org = text(doc.path("repository").path("owner").path("login"))
                .or(() -> text(doc.path("organization").path("login")))
                .or(() -> text(doc.path("installation").path("account").path("login")))
                .or(() -> text(doc.path("sender").path("login")));
        if (org.isEmpty()) {
            throw new InvalidPayload("payload names no owner: no repository.owner.login, organization.login, "
                    + "installation.account.login or sender.login");
        }
        if (org.get().length() > MAX_NAME_LENGTH || repo.map(String::length).orElse(0) > MAX_NAME_LENGTH) {
            throw new InvalidPayload("payload's owner or repository name is longer than " + MAX_NAME_LENGTH
                    + " characters");
        }
        return new SubjectCodec.Address(org.get(), repo, event);
    }

    private static Optional<String> text(JsonNode n) {
        return n.isTextual() && !n.asText().isEmpty() ? Optional.of(n.asText()) : Optional.empty();
    }

    /** The bytes of a one-line JSON answer, for example {@code {"error":"..."}}. */
    static byte[] line(Object value) {
        try {
            byte[] json = JSON.writeValueAsBytes(value);
            byte[] withNewline = java.util.Arrays.copyOf(json, json.length + 1);
            withNewline[json.length] = '\n';
            return withNewline;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
