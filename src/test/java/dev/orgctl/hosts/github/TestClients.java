package dev.orgctl.hosts.github;

import dev.orgctl.config.Secret;
import dev.orgctl.testing.github.GitHubFake;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;

/** Clients against the fake with GitHub's rate discipline shortened to test time. */
final class TestClients {
    private TestClients() {
    }

    /** GitHub's policy with waits in milliseconds instead of minutes. */
    static RatePolicy fastPolicy() {
        return new RatePolicy(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofSeconds(1), 6, 30,
                Duration.ofMillis(50), 2);
    }

    static GitHubClient.Settings settings(GitHubFake fake) {
        return GitHubClient.Settings.defaults(URI.create(fake.url())).withPolicy(fastPolicy());
    }

    static GitHubClient pat(GitHubFake fake, String token) {
        return client(fake, new TokenCredentials(Secret.of(token)), WriteBudget.UNLIMITED);
    }

    static GitHubClient client(GitHubFake fake, Credentials credentials, WriteBudget budget) {
        return new GitHubClient(settings(fake), credentials, budget, RateListener.NONE, Clock.systemUTC());
    }
}
