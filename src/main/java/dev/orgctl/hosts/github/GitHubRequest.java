package dev.orgctl.hosts.github;

import java.util.Objects;

/**
 * One call to GitHub's API. {@code path} is relative to the API base ({@code /orgs/acme/repos}) or
 * an absolute URL from a {@code Link} header. {@code body} is JSON text or null.
 *
 * @param kind        how the call is budgeted: a {@link Kind#WRITE} takes a token of the
 *                    content-creation budget first
 * @param conditional send {@code If-None-Match} with the ETag of the last answer to the same URL:
 *                    a 304 costs no rate limit and returns the remembered body
 * @param auth        which credential signs it: the installation (or personal) token, or the
 *                    GitHub App's own JWT (only the App endpoints take that)
 */
public record GitHubRequest(String method, String path, String body, Kind kind, boolean conditional, Auth auth) {
    /** How a call counts against GitHub's limits. */
    public enum Kind {
        /** A read: primary limit only. */
        READ,
        /** Creates or changes content: the content-creation ceiling applies (about 80/min, 500/h). */
        WRITE,
        /** A token request of a GitHub App: neither a read of the org nor content creation. */
        TOKEN
    }

    /** Which credential authorizes the call. */
    public enum Auth { TOKEN, APP_JWT }

    public GitHubRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(auth, "auth");
    }

    public static GitHubRequest get(String path) {
        return new GitHubRequest("GET", path, null, Kind.READ, false, Auth.TOKEN);
    }

    /** A GET that revalidates with the remembered ETag: unchanged answers cost no rate limit. */
    public static GitHubRequest conditionalGet(String path) {
        return new GitHubRequest("GET", path, null, Kind.READ, true, Auth.TOKEN);
    }

    public static GitHubRequest write(String method, String path, String body) {
        return new GitHubRequest(method, path, body, Kind.WRITE, false, Auth.TOKEN);
    }

    public GitHubRequest withAuth(Auth a) {
        return new GitHubRequest(method, path, body, kind, conditional, a);
    }

    /** {@code METHOD /path} without the query string: safe for messages and logs. */
    public String describe() {
        String p = path;
        int scheme = p.indexOf("://");
        if (scheme >= 0) {
            int slash = p.indexOf('/', scheme + 3);
            p = slash < 0 ? "/" : p.substring(slash);
        }
        int q = p.indexOf('?');
        return method + " " + (q < 0 ? p : p.substring(0, q));
    }
}
