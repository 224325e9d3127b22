package dev.orgctl.hosts.github;

import dev.orgctl.hosts.CommitIdentity;
import dev.orgctl.hosts.CommitRequest;
import dev.orgctl.hosts.CommitResult;
import dev.orgctl.hosts.FileChange;
import dev.orgctl.hosts.FileSelection;
import dev.orgctl.hosts.RepoFile;
import dev.orgctl.hosts.RepoRef;
import dev.orgctl.hosts.RepoSnapshot;
import dev.orgctl.hosts.RepositoryHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the controller's worker does with a host for one repository, reduced to the host calls:
 * read the owned files, compare with the desired content, write one fenced commit if anything
 * differs, re-plan on a moved head. Used by the host tests and the benchmark so both measure the
 * calls a real regeneration makes.
 */
final class RegenDriver {
    /** What happened to one repository. */
    enum Outcome { COMMITTED, UNCHANGED, MISSING }

    record Result(Outcome outcome, int attempts, Optional<String> commit) {
    }

    private final RepositoryHost host;
    private final Map<String, String> desired;
    private final FileSelection selection;

    RegenDriver(RepositoryHost host, Map<String, String> desired) {
        this.host = host;
        this.desired = desired;
        this.selection = FileSelection.paths(desired.keySet());
    }

    Result regenerate(RepoRef repo, String branch, String runId) {
        for (int attempt = 1; attempt <= 5; attempt++) {
            Optional<RepoSnapshot> snap = host.readBranch(repo, branch, selection);
            if (snap.isEmpty()) {
                return new Result(Outcome.MISSING, attempt, Optional.empty());
            }
            List<FileChange> changes = new ArrayList<>();
            desired.forEach((path, content) -> {
                RepoFile want = RepoFile.of(content);
                if (!snap.get().file(path).map(want::equals).orElse(false)) {
                    changes.add(new FileChange.Put(path, want));
                }
            });
            if (changes.isEmpty()) {
                return new Result(Outcome.UNCHANGED, attempt, Optional.empty());
            }
            CommitResult r = host.commit(repo, new CommitRequest(branch, Optional.of(snap.get().commitId()),
                    "chore: regenerate managed files\n\nRendered from acme/.github.\n\nOrgctl-Run-Id: " + runId
                            + "\nOrgctl-Template-Rev: 0123456789abcdef [skip-regen]",
                    changes, CommitIdentity.ORGCTL));
            if (r instanceof CommitResult.Committed c) {
                return new Result(Outcome.COMMITTED, attempt, Optional.of(c.commitId()));
            }
            if (r instanceof CommitResult.Rejected rej) {
                throw new IllegalStateException(repo + ": rejected: " + rej.reason());
            }
            // MovedHead: re-plan from the new head.
        }
        throw new IllegalStateException(repo + ": the head kept moving");
    }
}
