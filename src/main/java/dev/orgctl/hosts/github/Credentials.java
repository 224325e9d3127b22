package dev.orgctl.hosts.github;

/**
 * How orgctl authenticates to GitHub: a personal access token, or a GitHub App whose installation
 * tokens are fetched, cached and renewed before they expire. Implementations never expose the
 * token through {@code toString}, messages or logs.
 */
public sealed interface Credentials permits TokenCredentials, AppCredentials {

    /** The {@code Authorization} header value for ordinary API calls; may fetch a fresh installation token. */
    String authorization(GitHubClient client);

    /** Forget a token GitHub refused with 401, so the next call fetches a new one (App) or fails (PAT). */
    void invalidate(String authorizationUsed);

    /** Whether a 401 with this credential can be cured by fetching a new token. */
    boolean renewable();

    /** For messages: "a personal access token", "GitHub App 12 (installation 34)". Never the secret. */
    String describe();
}
