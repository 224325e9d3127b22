package dev.orgctl.hosts.github;

import dev.orgctl.config.ConfigException;
import dev.orgctl.config.GitHubSettings;
import dev.orgctl.config.Setting;
import dev.orgctl.nats.PemTls;
import io.nats.client.KeyValue;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.time.Clock;

/** Builds the GitHub client from orgctl's configuration. */
public final class GitHubClients {
    private GitHubClients() {
    }

    /**
     * The credentials the settings name: a GitHub App when {@code GITHUB_APP_ID} and its key are
     * set (preferred: its commits are verified and its limits grow with the org), otherwise
     * {@code GITHUB_TOKEN}. A clear {@link ConfigException} when there are none or the key is unreadable.
     */
    public static Credentials credentials(GitHubSettings s) {
        if (s.appId().isPresent() && s.appPrivateKeyFile().isPresent()) {
            PrivateKey key;
            try {
                key = PemTls.privateKey(s.appPrivateKeyFile().get());
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                throw new ConfigException("cannot read the GitHub App private key " + s.appPrivateKeyFile().get()
                        + " (" + Setting.GITHUB_APP_PRIVATE_KEY_FILE.env() + "): " + e.getMessage());
            }
            if (!"RSA".equals(key.getAlgorithm())) {
                throw new ConfigException("the GitHub App private key " + s.appPrivateKeyFile().get()
                        + " is not an RSA key: use the .pem file GitHub generated for the App");
            }
            return new AppCredentials(s.appId().get(), key, s.appInstallationId(), s.requireOrg());
        }
        if (s.token().isPresent() && !s.token().get().isEmpty()) {
            return new TokenCredentials(s.token().get());
        }
        throw new ConfigException("no GitHub credentials: set " + Setting.GITHUB_TOKEN.env() + ", or "
                + Setting.GITHUB_APP_ID.env() + " and " + Setting.GITHUB_APP_PRIVATE_KEY_FILE.env());
    }

    public static GitHubClient create(GitHubSettings s, WriteBudget budget, RateListener listener) {
        return new GitHubClient(GitHubClient.Settings.defaults(s.apiUrl()), credentials(s), budget, listener,
                Clock.systemUTC());
    }

    /** The {@code github} repository host for the configured credentials. */
    public static GitHubHost host(GitHubSettings s, WriteBudget budget, RateListener listener) {
        return new GitHubHost(create(s, budget, listener));
    }

    /**
     * The content-creation budget shared through {@code ORGCTL_RATE}, at the configured ceiling
     * ({@code ORGCTL_GITHUB_WRITE_BUDGET}). The ceiling belongs to the account (App installation or
     * token user) acting for the org; orgctl keys it by org, because every replica of one
     * deployment uses the same credentials for its one org. With the budget off, writes neither
     * wait nor touch NATS.
     */
    public static WriteBudget sharedBudget(KeyValue rateBucket, GitHubSettings s, RateListener listener) {
        return ContentCeiling.of(s.writeBudget()).<WriteBudget>map(c -> new NatsWriteBudget(rateBucket,
                NatsWriteBudget.keyFor(s.requireOrg()), c, Clock.systemUTC(), listener)).orElse(WriteBudget.UNLIMITED);
    }

    /** The configured budget kept by this process alone: no NATS, or a command making a few writes. */
    public static WriteBudget localBudget(GitHubSettings s, RateListener listener) {
        return ContentCeiling.of(s.writeBudget()).<WriteBudget>map(c -> new LocalWriteBudget(c, Clock.systemUTC(),
                listener)).orElse(WriteBudget.UNLIMITED);
    }
}
