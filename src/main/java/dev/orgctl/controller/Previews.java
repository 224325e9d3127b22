package dev.orgctl.controller;

import dev.orgctl.controller.preview.PreviewRunner;
import dev.orgctl.controller.preview.PreviewScheduler;
import dev.orgctl.controller.preview.PreviewWorker;
import dev.orgctl.coordination.LockService;
import dev.orgctl.coordination.Workflows;
import dev.orgctl.hosts.RepositoryHost;
import dev.orgctl.hosts.github.AppCredentials;
import dev.orgctl.hosts.github.GitHubChecks;
import dev.orgctl.hosts.github.GitHubHost;
import dev.orgctl.hosts.github.PullRequestComments;
import dev.orgctl.hosts.github.PullRequestHeads;
import dev.orgctl.regen.preview.ImpactPlanner;
import io.nats.client.JetStream;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The previews of template pull requests, where the backend has them: the github host with a
 * GitHub App's credentials (only an App may create check runs). Elsewhere there are none, and the
 * controller says so once at start rather than on every pull request.
 */
record Previews(PreviewScheduler scheduler, PreviewWorker worker) {
    private static final Logger log = LoggerFactory.getLogger(Previews.class);
    /** Repositories planned at once by one preview (reads only). */
    static final int PARALLELISM = 4;

    static Optional<Previews> of(String org, RepositoryHost host, Workflows workflows, JetStream js, LockService locks,
                                 ControllerSettings settings, String actor) {
        if (!(host instanceof GitHubHost github)) {
            return Optional.empty();
        }
        if (!(github.client().credentials() instanceof AppCredentials)) {
            log.atWarn().addKeyValue("org", org).log("previews of template pull requests are off: the orgctl / impact "
                    + "check run needs GitHub App credentials (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY_FILE); a personal "
                    + "access token cannot create check runs");
            return Optional.empty();
        }
        PreviewScheduler scheduler = new PreviewScheduler(workflows, js, actor);
        PullRequestHeads pulls = new PullRequestHeads(github.client());
        PreviewRunner runner = new PreviewRunner(new GitHubChecks(github.client()), pulls,
                PreviewRunner.Planner.of(new ImpactPlanner(host, org, PARALLELISM)),
                settings.previewComment() ? Optional.of(new PullRequestComments(github.client())) : Optional.empty());
        return Optional.of(new Previews(scheduler, new PreviewWorker(runner, pulls, locks, workflows, scheduler,
                settings)));
    }
}
