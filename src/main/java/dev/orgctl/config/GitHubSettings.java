package dev.orgctl.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The organization, how to authenticate against its API, and how many writes orgctl allows itself.
 */
public record GitHubSettings(
        Optional<String> org,
        URI apiUrl,
        Optional<Secret> token,
        Optional<Long> appId,
        Optional<Path> appPrivateKeyFile,
        Optional<Long> appInstallationId,
        GitHubWriteBudget writeBudget) {

    /** With github.com's write budget. */
    public GitHubSettings(Optional<String> org, URI apiUrl, Optional<Secret> token, Optional<Long> appId,
                          Optional<Path> appPrivateKeyFile, Optional<Long> appInstallationId) {
        this(org, apiUrl, token, appId, appPrivateKeyFile, appInstallationId, GitHubWriteBudget.githubCom());
    }

    /** The org, or a clear error for commands that cannot work without one. */
    public String requireOrg() {
        return org.orElseThrow(() -> new ConfigException(
                "no organization given: set " + Setting.GITHUB_ORG.displayName()));
    }
}
