package dev.orgctl.config;

import dev.orgctl.hosts.CommitIdentity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The validated runtime configuration of one orgctl process. Built by {@link ConfigResolver}.
 *
 * @param applyTopology update existing JetStream resources that differ from the declaration at start
 * @param gateway       the gateway's own settings (up, gateway)
 * @param controller    the controller's settings (up)
 * @param commitAuthor  author and committer of orgctl's commits (up, regen apply)
 * @param gitCi         the git backend's simulated CI (up)
 * @param tfstateAuth   the OIDC tokens the Terraform state backend accepts, and its policy file (up, gateway)
 * @param tfstate       the Terraform state backend's settings (up, tfstate)
 */
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
        boolean applyTopology,
        GatewayTuning gateway,
        ControllerTuning controller,
        CommitIdentity commitAuthor,
        RetrySettings retry,
        GitCiSettings gitCi,
        TfstateAuthSettings tfstateAuth,
        TfstateTuning tfstate) {

    public OrgctlConfig withNats(NatsSettings newNats) {
        return new OrgctlConfig(newNats, dataDir, httpAddr, backend, gitRoot, github, webhookSecrets, dedupWindow,
                logFormat, httpCapacity, applyTopology, gateway, controller, commitAuthor, retry, gitCi,
                tfstateAuth, tfstate);
    }

    public OrgctlConfig withHttpAddr(HostPort addr) {
        return new OrgctlConfig(nats, dataDir, addr, backend, gitRoot, github, webhookSecrets, dedupWindow,
                logFormat, httpCapacity, applyTopology, gateway, controller, commitAuthor, retry, gitCi,
                tfstateAuth, tfstate);
    }

    /** The git backend's root, or a clear error. */
    public Path requireGitRoot() {
        return gitRoot.orElseThrow(() -> new ConfigException(
                "no git root given: set " + Setting.GIT_ROOT.displayName()));
    }
}
