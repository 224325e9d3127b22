package dev.orgctl.hosts.github;

import dev.orgctl.hosts.HostException;
import java.util.List;
import java.util.Optional;

/**
 * One failed GitHub API call, turned into one line a person can act on. The message names the
 * call ({@code METHOD /path}, never a query string or a header), what GitHub said, and for
 * permission failures the scope or App permission that is missing. It never contains a token.
 */
public class GitHubApiException extends HostException {
    /** What kind of failure: callers branch on this, people read the message. */
    public enum Kind {
        /** 401: the token or the App's JWT was refused. */
        BAD_CREDENTIALS,
        /** 403 that is not a rate limit: a missing scope, App permission, or an org policy. */
        FORBIDDEN,
        /** 404: missing, or invisible to these credentials. */
        NOT_FOUND,
        /** 409: for example an empty repository, or a merge conflict. */
        CONFLICT,
        /** 422: GitHub's validation failed; {@link #details()} holds its error list. */
        VALIDATION,
        /** A rate limit that outlasted every retry orgctl allows itself. */
        RATE_LIMITED,
        /** 5xx that outlasted the retries. */
        SERVER_ERROR,
        /** No HTTP answer at all (connection refused, timeout, TLS). */
        TRANSPORT,
        /** A GraphQL answer with errors orgctl cannot handle. */
        GRAPHQL,
        /** Anything else GitHub answered. */
        UNEXPECTED
    }

    private final Kind kind;
    private final int status;
    private final String call;
    private final Optional<String> missing;
    private final List<String> details;

    public GitHubApiException(Kind kind, int status, String call, String message, Optional<String> missing,
                              List<String> details, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
        this.call = call;
        this.missing = missing;
        this.details = List.copyOf(details);
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, 0 when there was no answer. */
    public int status() {
        return status;
    }

    /** {@code METHOD /path} of the failed call. */
    public String call() {
        return call;
    }

    /** The scope or App permission GitHub says is missing, when it says so. */
    public Optional<String> missing() {
        return missing;
    }

    /** GitHub's error details (422 {@code errors}, GraphQL error messages). */
    public List<String> details() {
        return details;
    }

    /**
     * By what GitHub answered: rate limits (primary, secondary, 429), 5xx and no answer at all may
     * pass; a refused credential, a missing permission or repository, a conflict or a failed
     * validation (4xx) and GraphQL errors answer the same until a person acts.
     */
    @Override
    public boolean retryable() {
        return switch (kind) {
            case RATE_LIMITED, SERVER_ERROR, TRANSPORT -> true;
            case BAD_CREDENTIALS, FORBIDDEN, NOT_FOUND, CONFLICT, VALIDATION, GRAPHQL -> false;
            case UNEXPECTED -> status >= 500 || status == 429;
        };
    }
}
