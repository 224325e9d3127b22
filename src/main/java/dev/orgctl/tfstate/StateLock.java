package dev.orgctl.tfstate;

import dev.orgctl.tfstate.auth.Caller;
import java.time.Instant;
import java.util.Optional;

/**
 * A held state lock, as stored in {@code ORGCTL_TFSTATE_LOCKS} (the value) plus its fencing token
 * (the entry's revision, which grows with every lock taken in the bucket).
 *
 * @param id       Terraform's lock ID (LockInfo's {@code ID})
 * @param info     the LockInfo JSON exactly as Terraform sent it: answered as is to a refused caller
 * @param kind     the holder's {@link Caller#kind()}, or {@code cli}
 * @param subject  the holder's {@link Caller#subject()}
 * @param run      the GitHub Actions run that holds it (to release it when the run ends); null when unknown,
 *                 because the stored JSON has no Optional (use {@link #holderRun()})
 * @param lockedAt when it was taken (ISO-8601)
 * @param token    the fencing token; 0 in the stored value, set from the entry's revision when read
 */
public record StateLock(String id, String info, String kind, String subject, Caller.GitHubRun run,
                        String lockedAt, long token) {
    public Instant lockedAtInstant() {
        return Instant.parse(lockedAt);
    }

    public Optional<Caller.GitHubRun> holderRun() {
        return Optional.ofNullable(run);
    }

    StateLock withToken(long revision) {
        return new StateLock(id, info, kind, subject, run, lockedAt, revision);
    }

    /** A link to the holder's run, when it is one. */
    public Optional<String> runLink(String githubWebUrl) {
        return holderRun().map(r -> githubWebUrl + "/" + r.repository() + "/actions/runs/" + r.runId());
    }
}
