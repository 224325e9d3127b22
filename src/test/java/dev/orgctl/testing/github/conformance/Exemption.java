package dev.orgctl.testing.github.conformance;

import java.util.List;
import java.util.Optional;

/**
 * Endpoints the fake serves that GitHub's REST description does not contain, each with the reason
 * it is not checked here. Nothing else is exempt: a path missing from the description is a
 * violation.
 */
public record Exemption(String method, String path, String reason) {
    static final List<Exemption> ALL = List.of(
            new Exemption("POST", "/graphql", "GitHub's GraphQL API: checked against its schema, not the REST description"));

    /** GitHub Enterprise Server serves the same API under {@code /api/v3} and GraphQL at {@code /api/graphql}. */
    static String normalize(String rawPath) {
        if (rawPath.equals("/api/graphql")) {
            return "/graphql";
        }
        return rawPath.startsWith("/api/v3/") ? rawPath.substring("/api/v3".length()) : rawPath;
    }

    static Optional<Exemption> find(String method, String path) {
        return ALL.stream().filter(e -> e.method().equals(method) && e.path().equals(path)).findFirst();
    }
}
