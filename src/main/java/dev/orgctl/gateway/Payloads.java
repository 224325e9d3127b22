package dev.orgctl.gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
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

    /**
     * A verified delivery document: its exact JSON bytes, and the few fields that say where it goes
     * (null when absent or not a non-empty string).
     */
    @SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
    public record Document(byte[] json, String repoName, String repoOwner, String orgLogin, String installationAccount,
                           String senderLogin) {
    }

    /**
     * The JSON document of a body: the body itself for {@code application/json}, the URL-decoded
     * {@code payload} field for the form encoding. It must be exactly one JSON object.
     *
     * <p>The document is read as a stream: every token is checked, but only the five addressing
     * fields are kept, so a 25 MiB delivery costs no tree of objects, and no limit on the length
     * of a string it merely carries applies.
     */
    public static Document document(ContentType type, byte[] body) throws InvalidPayload {
        byte[] json = type == ContentType.FORM ? formPayload(body) : body;
        Fields f = new Fields();
        try (JsonParser p = JSON.getFactory().createParser(json)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new InvalidPayload("body is not valid JSON");
            }
            if (first != JsonToken.START_OBJECT) {
                throw new InvalidPayload("body is not a JSON object");
            }
            walk(p, "", f);
            if (p.nextToken() != null) {
                throw new InvalidPayload("body is not valid JSON");
            }
        } catch (IOException e) {
            throw new InvalidPayload("body is not valid JSON");
        }
        return new Document(json, f.get("/repository/name"), f.get("/repository/owner/login"),
                f.get("/organization/login"), f.get("/installation/account/login"), f.get("/sender/login"));
    }

    /** The addressing fields of a document, by path; the last occurrence of a repeated key wins. */
    private static final class Fields {
        static final java.util.Set<String> WANTED = java.util.Set.of("/repository/name", "/repository/owner/login",
                "/organization/login", "/installation/account/login", "/sender/login");
        static final java.util.Set<String> PARENTS = java.util.Set.of("/repository", "/repository/owner",
                "/organization", "/installation", "/installation/account", "/sender");
        private final java.util.Map<String, String> values = new java.util.HashMap<>();

        String get(String path) {
            return values.get(path);
        }
    }

    /** Reads the object the parser is at (after its START_OBJECT) to its END_OBJECT. */
    private static void walk(JsonParser p, String path, Fields f) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String child = path + "/" + p.currentName();
            // A repeated key replaces the earlier value entirely, as a JSON tree would.
            f.values.keySet().removeIf(k -> k.equals(child) || k.startsWith(child + "/"));
            JsonToken v = p.nextToken();
            if (v == JsonToken.START_OBJECT) {
                if (Fields.PARENTS.contains(child)) {
                    walk(p, child, f);
                } else {
                    p.skipChildren();
                }
            } else if (v == JsonToken.START_ARRAY) {
                p.skipChildren();
            } else if (v == JsonToken.VALUE_STRING && Fields.WANTED.contains(child) && !p.getText().isEmpty()) {
                f.values.put(child, p.getText());
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new IOException("unexpected token " + t);
        }
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
     * {@code installation}, ...), which the subject spells {@code _}. An event that names neither
     * an owner nor a repository (GitHub's {@code security_advisory}, about GitHub as a whole) goes
     * to {@code github._._.<event>}; a repository without any owner is not something GitHub sends.
     */
    public static SubjectCodec.Address address(String event, Document doc) throws InvalidPayload {
        Optional<String> repo = Optional.ofNullable(doc.repoName());
        Optional<String> org = Optional.ofNullable(doc.repoOwner())
                .or(() -> Optional.ofNullable(doc.orgLogin()))
                .or(() -> Optional.ofNullable(doc.installationAccount()))
                .or(() -> Optional.ofNullable(doc.senderLogin()));
        if (org.isEmpty() && repo.isPresent()) {
            throw new InvalidPayload("payload names no owner: no repository.owner.login, organization.login, "
                    + "installation.account.login or sender.login");
        }
        if (event.isEmpty()) {
            throw new InvalidPayload("no event name");
        }
        if (org.filter(String::isEmpty).isPresent() || repo.filter(String::isEmpty).isPresent()) {
            throw new InvalidPayload("payload's owner or repository name is empty");
        }
        if (org.map(String::length).orElse(0) > MAX_NAME_LENGTH || repo.map(String::length).orElse(0) > MAX_NAME_LENGTH) {
            throw new InvalidPayload("payload's owner or repository name is longer than " + MAX_NAME_LENGTH
                    + " characters");
        }
        return new SubjectCodec.Address(org, repo, event);
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
