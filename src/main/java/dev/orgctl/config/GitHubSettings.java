package dev.orgctl.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/** The organization and how to authenticate against its API. */
public record GitHubSettings(
        Optional<String> org,
        URI apiUrl,
        Optional<Secret> token,
        Optional<Long> appId,
        Optional<Path> appPrivateKeyFile,
        Optional<Long> appInstallationId) {

    /** The org, or a clear error for commands that cannot work without one. */
    public String requireOrg() {
        return org.orElseThrow(() -> new ConfigException(
                "no organization given: set " + Setting.GITHUB_ORG.displayName()));
    }
}
