package dev.orgctl.testing.github;

import java.util.Map;

/**
 * An answer of the fake: status, JSON body (or null), extra headers. Every route handler returns
 * one; {@link FakeHttp} writes it to the wire.
 */
record Reply(int status, Object body, Map<String, String> headers) {
    static Reply json(int status, Object body) {
        return new Reply(status, body, Map.of());
    }

    static Reply empty(int status) {
        return new Reply(status, null, Map.of());
    }
}
