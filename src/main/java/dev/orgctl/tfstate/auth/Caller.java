package dev.orgctl.tfstate.auth;

import java.util.Map;
import java.util.Optional;

/**
 * Who made a request to the state backend, once authenticated.
 *
 * @param kind    {@code oidc} (a GitHub Actions ID token) or {@code token} (an orgctl token)
 * @param subject for display and audit: the token's {@code sub} claim, or the orgctl token's name;
 *                never a secret
 * @param claims  the verified claims orgctl uses ({@code repository}, {@code ref}, {@code environment},
 *                {@code job_workflow_ref}, {@code run_id}, {@code run_attempt}, ...); empty for tokens
 * @param run     the GitHub Actions run the caller is (OIDC tokens name it), for releasing its locks
 *                when the run ends
 */
public record Caller(String kind, String subject, Map<String, String> claims, Optional<GitHubRun> run) {
    public Caller {
        claims = Map.copyOf(claims);
    }

    /** A GitHub Actions run: {@code owner/repo} and its run id (and attempt, 0 when unknown). */
    public record GitHubRun(String repository, long runId, int attempt) {
    }
}
