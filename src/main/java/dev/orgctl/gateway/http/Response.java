package dev.orgctl.gateway.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An answer: status, header fields, body. {@code Content-Length}, {@code Date} and
 * {@code Connection} are written by the server.
 *
 * @param close close the connection after this answer (also done when the request asked for it)
 */
@SuppressWarnings("ArrayRecordComponent") // a payload carried along: compare its bytes (Arrays.equals), not the record
public record Response(int status, List<String> headerLines, byte[] body, boolean close) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9-]+");

    public static Response of(int status, String contentType, byte[] body) {
        return new Response(status, List.of("Content-Type: " + contentType), body, false);
    }

    public static Response json(int status, byte[] body) {
        return of(status, "application/json", body);
    }

    public static Response json(int status, String body) {
        return json(status, body.getBytes(StandardCharsets.UTF_8));
    }

    /** The same answer with one more header field; names and values must be plain ASCII without CR or LF. */
    public Response with(String name, String value) {
        if (!NAME.matcher(name).matches() || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("invalid header field: " + name);
        }
        List<String> lines = new ArrayList<>(headerLines);
        lines.add(name + ": " + value);
        return new Response(status, List.copyOf(lines), body, close);
    }

    /** The same answer, and the connection closes after it. */
    public Response closing() {
        return new Response(status, headerLines, body, true);
    }
}
