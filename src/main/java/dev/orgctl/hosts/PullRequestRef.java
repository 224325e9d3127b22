package dev.orgctl.hosts;

/**
 * The pull request of a proposal as orgctl left it: what a later step (a rollout wave waiting for
 * the pull request's checks, or for its merge under auto-merge) needs to find it again.
 *
 * @param nodeId GitHub's GraphQL id of the pull request
 */
public record PullRequestRef(int number, String url, String nodeId, AutoMerge autoMerge) {

    /** Auto-merge of the pull request after this proposal. */
    public enum AutoMerge {
        /** Not asked for in {@code orgctl.yaml}. */
        NOT_REQUESTED,
        /** Enabled (now or earlier): GitHub merges once the required checks and reviews pass. */
        ENABLED,
        /** Asked for, but the repository does not allow auto-merge (its settings): left off. */
        NOT_ALLOWED,
        /**
         * Asked for and allowed, but not on: GitHub refused to enable it (the result's notes say why),
         * or a person turned it off after orgctl enabled it (orgctl asks again only when the settings change).
         */
        NOT_ENABLED
    }
}
