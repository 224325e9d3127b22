package dev.orgctl.tfstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orgctl.controller.GitHubEvent;
import dev.orgctl.tfstate.auth.Caller;
import org.junit.jupiter.api.Test;

/** Which run's end releases which lock: the same run, and no attempt later than the one that ended. */
class RunLockReleaserTest {
    private static GitHubEvent.RunEnd ended(String repo, long id, int attempt) {
        return new GitHubEvent.RunEnd(repo, id, attempt, "cancelled");
    }

    @Test
    void theSameRunAndAttemptReleases() {
        assertThat(RunLockReleaser.heldBy(new Caller.GitHubRun("acme/infra", 7, 1), ended("acme/infra", 7, 1))).isTrue();
        // GitHub's owner and repository names are case-insensitive.
        assertThat(RunLockReleaser.heldBy(new Caller.GitHubRun("Acme/Infra", 7, 1), ended("acme/infra", 7, 1))).isTrue();
    }

    @Test
    void anotherRunOrRepositoryDoesNot() {
        assertThat(RunLockReleaser.heldBy(new Caller.GitHubRun("acme/infra", 7, 1), ended("acme/infra", 8, 1))).isFalse();
        assertThat(RunLockReleaser.heldBy(new Caller.GitHubRun("acme/infra", 7, 1), ended("acme/other", 7, 1))).isFalse();
    }

    @Test
    void aReRunsLockOutlivesTheEarlierAttemptsLateEnd() {
        // Attempt 2 holds the lock; attempt 1's completion arrives late: the lock stays.
        assertThat(RunLockReleaser.heldBy(new Caller.GitHubRun("acme/infra", 7, 2), ended("acme/infra", 7, 1))).isFalse();
        // Attempt 1 left a lock behind and attempt 2 ended: attempt 1 is long over, the lock goes.
        assertThat(RunLockReleaser.heldBy(new Caller.GitHubRun("acme/infra", 7, 1), ended("acme/infra", 7, 2))).isTrue();
        // A lock whose attempt is unknown (from a LockInfo without one) goes with any attempt's end.
        assertThat(RunLockReleaser.heldBy(new Caller.GitHubRun("acme/infra", 7, 0), ended("acme/infra", 7, 1))).isTrue();
    }
}
