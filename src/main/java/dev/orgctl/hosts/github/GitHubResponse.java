package dev.orgctl.hosts.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A successful answer. {@code notModified} is true when GitHub answered 304 to a conditional
 * request and {@link #body()} is the remembered body of the earlier 200.
 */
public final class GitHubResponse {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int status;
    private final HttpHeaders headers;
    private final byte[] body;
    private final boolean notModified;
    private JsonNode json;

    public GitHubResponse(int status, HttpHeaders headers, byte[] body, boolean notModified) {
        this.status = status;
        this.headers = headers;
        this.body = body;
        this.notModified = notModified;
    }

    public int status() {
        return status;
    }

    public HttpHeaders headers() {
        return headers;
    }

    public Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    public byte[] body() {
        return body;
    }

    public boolean notModified() {
        return notModified;
    }

    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The body as JSON; an empty body is a missing node. */
    public synchronized JsonNode json() {
        if (json == null) {
            try {
                json = body.length == 0 ? JSON.missingNode() : JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("GitHub answered with a body that is not JSON", e);
            }
        }
        return json;
    }

    /** The URL of the next page from the {@code Link} header, if any. */
    public Optional<String> nextPage() {
        return header("Link").flatMap(LinkHeader::next);
    }
}
