package dev.orgctl.hosts;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a proposal's pull request carries besides its title and body: labels, review requests,
 * assignees, whether it opens as a draft, and auto-merge. On GitHub they are sent when the pull
 * request is opened and again only when these options change (see {@link #fingerprint()}); they
 * are only ever added, never taken away from a pull request people work on. The git backend has
 * no pull requests and says so in its result's notes.
 */
public record PullRequestOptions(List<String> labels, List<String> reviewers, List<String> teamReviewers,
                                 List<String> assignees, boolean draft, Optional<MergeMethod> autoMerge) {

    /** Today's pull request: nothing but title and body. */
    public static final PullRequestOptions NONE = new PullRequestOptions(List.of(), List.of(), List.of(), List.of(),
            false, Optional.empty());

    /** GitHub's {@code PullRequestMergeMethod}. */
    public enum MergeMethod {
        MERGE, SQUASH, REBASE;

        /** {@code merge}, {@code squash} or {@code rebase}, as written in {@code orgctl.yaml}. */
        public static MergeMethod parse(String s) {
            for (MergeMethod m : values()) {
                if (m.name().toLowerCase(Locale.ROOT).equals(s)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown merge method '" + s + "' (expected merge, squash or rebase)");
        }
    }

    public PullRequestOptions {
        labels = List.copyOf(labels);
        reviewers = List.copyOf(reviewers);
        teamReviewers = List.copyOf(teamReviewers);
        assignees = List.copyOf(assignees);
        autoMerge = autoMerge == null ? Optional.empty() : autoMerge;
    }

    /** Whether anything beyond title and body is asked for. */
    public boolean any() {
        return !equals(NONE);
    }

    /**
     * A short stable digest of what is sent after the pull request is opened (labels, reviewers,
     * assignees, auto-merge; not draft, which only opening uses), kept in the pull request's body:
     * while it is unchanged orgctl sends none of them again, so a label someone removed stays
     * removed and a reviewer who reviewed is not asked again at every regeneration.
     */
    public String fingerprint() {
        String all = String.join(",", labels) + "|" + String.join(",", reviewers) + "|"
                + String.join(",", teamReviewers) + "|" + String.join(",", assignees) + "|"
                + autoMerge.map(Enum::name).orElse("");
        return String.format(Locale.ROOT, "%08x", all.hashCode());
    }
}
