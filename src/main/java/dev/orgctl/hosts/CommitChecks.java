package dev.orgctl.hosts;

import java.util.List;

/**
 * The CI results a host reports for one commit, read when a rollout's gate polls for results it
 * did not receive as deliveries (GitHub: the commit's check suites and combined status).
 *
 * @param checks one per check suite, workflow run or commit status context
 */
public record CommitChecks(String sha, List<Check> checks) {
    public CommitChecks {
        checks = List.copyOf(checks);
    }

    /**
     * @param key        stable per check: {@code check_suite:<id>}, {@code status:<context>}
     * @param status     queued, in_progress, completed (a commit status is completed unless pending)
     * @param conclusion GitHub's conclusion when completed (a commit status: success, failure, error),
     *                   empty otherwise
     * @param url        a page where a person reads the result, or empty
     */
    public record Check(String key, String name, String status, String conclusion, String url) {
    }
}
