package dev.orgctl.coordination;

/**
 * How a successful run ended, for the history.
 *
 * @param reason       one line: "committed", "no changes", "pull request updated"
 * @param baseCommit   the head the run planned against (empty if none)
 * @param resultCommit the commit the run created (empty if none)
 */
public record RunResult(String reason, String baseCommit, String resultCommit) {
    public RunResult {
        reason = reason == null ? "" : reason;
        baseCommit = baseCommit == null ? "" : baseCommit;
        resultCommit = resultCommit == null ? "" : resultCommit;
    }

    public static RunResult of(String reason) {
        return new RunResult(reason, "", "");
    }
}
