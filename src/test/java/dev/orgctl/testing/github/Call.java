package dev.orgctl.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One request being answered: what was asked, who asks, and what the handler found on the way
 * (the repository or org it counts against, whether it writes, the scopes it accepts). Handlers of
 * every surface take one; the permission checks live here so each handler states its need in one
 * line.
 */
final class Call {
    private final GitHubFake fake;
    final String method;
    final String path;
    final Map<String, String> query;
    final byte[] body;
    final Map<String, String> params = new LinkedHashMap<>();
    final HttpExchange exchange;
    Principal principal;
    FakeRepo repo;
    FakeOrg org;
    boolean write;
    String acceptedScopes;

    Call(GitHubFake fake, HttpExchange ex, String method, String path, Map<String, String> query, byte[] body) {
        this.fake = fake;
        this.exchange = ex;
        this.method = method;
        this.path = path;
        this.query = query;
        this.body = body;
    }

    JsonNode json() {
        try {
            return body.length == 0 ? GitHubFake.JSON.createObjectNode() : GitHubFake.JSON.readTree(body);
        } catch (IOException e) {
            throw new HttpError(400, "Problems parsing JSON");
        }
    }

    String param(String name) {
        return params.get(name);
    }

    FakeOrg requireOrg() {
        FakeOrg o = fake.org(param("org")).orElseThrow(HttpError::notFound);
        this.org = o;
        return o;
    }

    FakeRepo requireRepo() {
        FakeRepo r = fake.repo(param("owner"), param("repo")).orElseThrow(HttpError::notFound);
        this.repo = r;
        visible(r);
        return r;
    }

    /** Installation tokens see only their org's repositories. */
    void visible(FakeRepo r) {
        if (principal != null && principal.kind() == Principal.Kind.INSTALLATION
                && fake.auth.installations.get(principal.installationId()).org() != r.org) {
            throw HttpError.notFound();
        }
    }

    /**
     * Requires a classic-token scope (any of {@code scopes}) or an App permission. Answers as
     * GitHub does: 403 naming the accepted scopes in {@code X-Accepted-OAuth-Scopes}, or the
     * permission in {@code X-Accepted-GitHub-Permissions}.
     */
    void require(List<String> scopes, String permission, String level) {
        acceptedScopes = String.join(", ", scopes);
        if (principal.kind() == Principal.Kind.USER) {
            Set<String> has = new LinkedHashSet<>(principal.scopes());
            if (has.contains("repo")) {
                has.add("public_repo");
            }
            if (scopes.stream().noneMatch(has::contains)) {
                throw new HttpError(403, "Resource not accessible by personal access token", List.of(),
                        Map.of("X-Accepted-OAuth-Scopes", acceptedScopes));
            }
        } else if (principal.kind() == Principal.Kind.INSTALLATION) {
            String has = principal.permissions().getOrDefault(permission, "none");
            boolean ok = has.equals("write") || has.equals("admin") || (level.equals("read") && has.equals("read"));
            if (!ok) {
                throw new HttpError(403, "Resource not accessible by integration", List.of(),
                        Map.of("X-Accepted-GitHub-Permissions", permission + "=" + level));
            }
        }
    }
}
