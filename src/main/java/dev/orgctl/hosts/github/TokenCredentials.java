package dev.orgctl.hosts.github;

import dev.orgctl.config.Secret;
import java.util.Objects;

/** A personal access token (classic or fine-grained), or any token GitHub accepts as a bearer token. */
public final class TokenCredentials implements Credentials {
    private final Secret token;

    public TokenCredentials(Secret token) {
        this.token = Objects.requireNonNull(token, "token");
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the GitHub token is empty");
        }
    }

    @Override
    public String authorization(GitHubClient client) {
        return "Bearer " + token.revealAsString();
    }

    @Override
    public void invalidate(String authorizationUsed) {
        // nothing to renew: a refused personal token stays refused
    }

    @Override
    public boolean renewable() {
        return false;
    }

    @Override
    public String describe() {
        return "the GitHub token";
    }

    @Override
    public String toString() {
        return "TokenCredentials[****]";
    }
}
