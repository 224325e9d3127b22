package dev.orgctl.testing.github;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An error answer in GitHub's shape, thrown from anywhere a request is being answered;
 * {@link FakeHttp} turns it into GitHub's error body, so handlers need not build one.
 */
final class HttpError extends RuntimeException {
    final int status;
    final List<Object> errors;
    final Map<String, String> headers;

    HttpError(int status, String message) {
        this(status, message, List.of(), Map.of());
    }

    HttpError(int status, String message, List<Object> errors, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.errors = errors;
        this.headers = headers;
    }

    static HttpError notFound() {
        return new HttpError(404, "Not Found");
    }

    static HttpError validation(String resource, String code, String message) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("resource", resource);
        e.put("code", code);
        if (message != null) {
            e.put("message", message);
        }
        return new HttpError(422, "Validation Failed", List.of(e), Map.of());
    }
}
