package dev.orgctl.testing.github;

import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * GitHub's auto-merge, as far as the fake models required checks: a pull request with auto-merge
 * enabled ({@link FakePullSettings#enableAutoMerge}) is merged once the CI of its head completes
 * successfully ({@link FakeCi}). The merge moves the base branch (a push, delivered, with CI of its
 * own), closes the pull request as merged, clears its auto-merge request and sends
 * {@code pull_request} {@code closed} with {@code merged: true}.
 *
 * <p>Where the fake is simpler than GitHub: it merges only when the base has not moved past the
 * head's fork point (orgctl's proposal branch is always reset onto the base head), because it does
 * no three-way merge; otherwise the pull request stays open, as a conflicted one would. A merge
 * commit ({@code MERGE}) has the base and the head as parents; {@code SQUASH} and {@code REBASE}
 * make one commit on the base with the head's tree.
 */
final class FakeAutoMerge {
    private static final FakeWebhooks.Actor MERGER = FakeWebhooks.Actor.of(Person.of("web-flow"));

    private final GitHubFake f;

    FakeAutoMerge(GitHubFake fake) {
        this.f = fake;
    }

    /** The CI of {@code sha} in {@code repo} succeeded: merge the pull requests waiting for it. */
    void succeeded(FakeRepo repo, String sha) {
        for (FakePull p : repo.openPulls()) {
            if (p.autoMergeMethod != null && repo.head(p.head).orElse("").equals(sha)) {
                merge(p, sha);
            }
        }
    }

    private void merge(FakePull p, String head) {
        FakeRepo repo = p.repo;
        String ref = "refs/heads/" + p.base;
        Optional<String> base = repo.git.ref(ref);
        if (base.isEmpty() || !repo.git.isAncestor(base.get(), head)) {
            return;
        }
        PersonIdent bot = new PersonIdent("GitHub", "noreply@github.com");
        List<String> parents = p.autoMergeMethod.equals("MERGE") ? List.of(base.get(), head) : List.of(base.get());
        String message = p.autoMergeMethod.equals("MERGE")
                ? "Merge pull request #" + p.number + " from " + repo.org.login + "/" + p.head + "\n\n" + p.title
                : p.title + " (#" + p.number + ")";
        String commit = repo.git.commitTree(repo.git.parse(head).getTree().name(), parents, bot, bot, message);
        if (!repo.git.compareAndSet(ref, base, commit)) {
            return; // the base moved meanwhile: GitHub would try again on the next check; the fake leaves it open
        }
        synchronized (p) {
            p.merged = true;
            p.mergedAt = f.clock.instant();
            p.mergeCommitSha = commit;
            p.state = "closed";
            p.updatedAt = p.mergedAt;
            p.autoMergeMethod = null;
        }
        repo.pushedAt = f.clock.instant();
        f.webhooks.push(repo, ref, base, Optional.of(commit), MERGER);
        f.pullEvents.merged(p, MERGER);
    }
}
