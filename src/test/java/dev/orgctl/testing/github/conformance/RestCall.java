package dev.orgctl.testing.github.conformance;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request as it reached the fake: method, raw path and query (still percent-encoded), headers
 * by lower-case name, body bytes.
 */
public record RestCall(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
                       @SuppressWarnings("ArrayRecordComponent") byte[] body) { // bytes read once, never compared
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** {@code GET /orgs/acme/repos?per_page=100}: how a violation names the call. */
    public String describe() {
        return method + " " + rawPath + (rawQuery == null || rawQuery.isEmpty() ? "" : "?" + rawQuery);
    }
}
