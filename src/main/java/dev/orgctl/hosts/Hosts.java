package dev.orgctl.hosts;

import dev.orgctl.config.Backend;
import dev.orgctl.config.OrgctlConfig;
import dev.orgctl.hosts.git.GitHost;
import dev.orgctl.hosts.github.GitHubClients;
import dev.orgctl.hosts.github.RateListener;
import dev.orgctl.nats.NatsRuntime;
import dev.orgctl.nats.topology.Topology;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens the repository host the configuration names ({@code ORGCTL_BACKEND}). */
public final class Hosts {
    private static final Logger log = LoggerFactory.getLogger(Hosts.class);

    private Hosts() {
    }

    /**
     * @param nats when present, the GitHub write budget is shared with every replica through
     *             ORGCTL_RATE; without NATS (a one-off {@code regen apply}) it is this process's own
     */
    public static RepositoryHost open(OrgctlConfig config, Optional<NatsRuntime> nats) {
        if (config.backend() == Backend.GIT) {
            return new GitHost(config.requireGitRoot());
        }
        String org = config.github().requireOrg();
        RateListener listener = (reason, until) -> log.atWarn().addKeyValue("until", until).addKeyValue("reason", reason)
                .log("GitHub rate budget: pausing");
        log.atInfo().addKeyValue("org", org).addKeyValue("write_budget", config.github().writeBudget())
                .log(config.github().writeBudget().isOff() ? "GitHub write budget off: content-creating requests are not paced"
                        : "GitHub write budget");
        if (nats.isPresent()) {
            return GitHubClients.host(config.github(), GitHubClients.sharedBudget(
                    nats.get().keyValue(Topology.RATE_BUCKET), config.github(), listener), listener);
        }
        return GitHubClients.host(config.github(), GitHubClients.localBudget(config.github(), listener), listener);
    }
}
