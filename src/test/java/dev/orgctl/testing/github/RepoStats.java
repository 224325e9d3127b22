package dev.orgctl.testing.github;

/**
 * The API calls the fake answered for one repository (or the org-level bucket): reads that cost
 * rate limit, writes, and conditional reads answered 304 (free on GitHub).
 */
public record RepoStats(long reads, long writes, long notModified) {
    public static final RepoStats ZERO = new RepoStats(0, 0, 0);

    public RepoStats plus(RepoStats o) {
        return new RepoStats(reads + o.reads, writes + o.writes, notModified + o.notModified);
    }
}
