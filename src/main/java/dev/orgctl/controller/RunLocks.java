package dev.orgctl.controller;

/**
 * What the controller asks of whatever holds locks for GitHub Actions runs (the Terraform state
 * backend): release them when GitHub says the run ended. The controller knows only this; the
 * backend implements it, so the dependency points from tfstate to the controller, not back.
 */
public interface RunLocks {
    /**
     * Releases every lock held by {@code run}'s attempt (or by an earlier attempt of the run).
     *
     * @param deliveryId the GitHub delivery that reported the end, for the log
     * @return how many locks were released
     */
    int releaseHeldBy(GitHubEvent.RunEnd run, String deliveryId);

    /** No locks anywhere: nothing to release. */
    RunLocks NONE = (run, deliveryId) -> 0;
}
