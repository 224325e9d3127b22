package dev.orgctl.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The validated runtime configuration of one orgctl process. Built by {@link ConfigResolver}. */
public record OrgctlConfig(
        NatsSettings nats,
        Path dataDir,
        HostPort httpAddr,
        Backend backend,
        Optional<Path> gitRoot,
        GitHubSettings github,
        WebhookSecrets webhookSecrets,
        Duration dedupWindow,
        LogFormat logFormat,
        HttpCapacity httpCapacity,
        RetrySettings retry) {

    public OrgctlConfig withNats(NatsSettings newNats) {
        return new OrgctlConfig(newNats, dataDir, httpAddr, backend, gitRoot, github, webhookSecrets, dedupWindow,
                logFormat, httpCapacity, retry);
    }

    public OrgctlConfig withHttpAddr(HostPort addr) {
        return new OrgctlConfig(nats, dataDir, addr, backend, gitRoot, github, webhookSecrets, dedupWindow,
                logFormat, httpCapacity, retry);
    }

    /** The git backend's root, or a clear error. */
    public Path requireGitRoot() {
        return gitRoot.orElseThrow(() -> new ConfigException(
                "no git root given: set " + Setting.GIT_ROOT.displayName()));
    }
}
