package dev.orgctl.controller;

import java.util.List;
import java.util.Set;

/** What one delivery means to the controller. Exactly one case applies to each delivery. */
public sealed interface Classification {
    /** A one-word name for metrics and logs. */
    String kind();

    /**
     * The templates repository's default branch moved and touched templates or their config.
     * {@code previousRevision} is the branch's head before the push, when it had one.
     */
    record TemplateChange(String org, String templateRevision, java.util.Optional<String> previousRevision,
                          Set<String> paths) implements Classification {
        @Override
        public String kind() {
            return "template_change";
        }
    }

    /**
     * A branch of the templates repository other than its default one moved (or, {@code deleted},
     * went away): a proposed template change whose impact is previewed ({@link PreviewTrigger}).
     */
    record TemplatePreview(String org, String branch, String head, boolean deleted) implements Classification {
        @Override
        public String kind() {
            return "template_preview";
        }
    }

    /**
     * Someone other than orgctl pushed to a target repository and touched files orgctl owns (or
     * the push was too large to tell: GitHub lists at most 20 commits). {@code afterOwnCommit} is
     * the orgctl commit this push was built on, when it was one: the reaction chain's depth grows.
     */
    record Drift(String org, String repo, Set<String> paths, String head, java.util.Optional<String> afterOwnCommit)
            implements Classification {
        @Override
        public String kind() {
            return "drift";
        }
    }

    /**
     * A pull request to the templates repository has a head to preview (opened, pushed to,
     * reopened, or its checks asked for again): the {@code orgctl / impact} check run.
     * {@code previousHead} is the head it replaces, whose run is superseded; {@code again}: someone
     * asked for the checks again (a new run even when the head has its result).
     */
    record Preview(String org, int number, String headSha, String baseRef, java.util.Optional<String> previousHead,
                   boolean again) implements Classification {
        public Preview(String org, int number, String headSha, String baseRef,
                       java.util.Optional<String> previousHead) {
            this(org, number, headSha, baseRef, previousHead, false);
        }

        @Override
        public String kind() {
            return "preview";
        }
    }

    /** A repository appeared (created, transferred in, unarchived): it gets its files. */
    record NewRepository(String org, String repo) implements Classification {
        @Override
        public String kind() {
            return "new_repository";
        }
    }

    /** Every new commit of the push is orgctl's own: dropped (snake prevention, layer 1). */
    record OwnCommit(String org, String repo, List<String> commits) implements Classification {
        @Override
        public String kind() {
            return "own_commit";
        }
    }

    /**
     * A CI result for a commit of any repository of the org (a check suite or workflow run completed,
     * a commit status, a pull request merged): kept in ORGCTL_ROLLOUTS for the gates of rollouts.
     * {@code runEnded}: a workflow run completed, so the Terraform state locks it holds are released.
     */
    record CiReport(String org, String repo, GitHubEvent.CiResult result, java.util.Optional<GitHubEvent.RunEnd> runEnded)
            implements Classification {
        public CiReport(String org, String repo, GitHubEvent.CiResult result) {
            this(org, repo, result, java.util.Optional.empty());
        }

        @Override
        public String kind() {
            return "ci_result";
        }
    }

    /** Nothing for the controller to do; the reason says why, for the log. */
    record Irrelevant(String reason) implements Classification {
        @Override
        public String kind() {
            return "irrelevant";
        }
    }
}
