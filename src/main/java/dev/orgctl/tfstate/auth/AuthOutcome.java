package dev.orgctl.tfstate.auth;

import java.time.Duration;

/** What authentication made of a request's credentials. */
public sealed interface AuthOutcome permits AuthOutcome.Authenticated, AuthOutcome.Unauthenticated,
        AuthOutcome.Unavailable {
    record Authenticated(Caller caller) implements AuthOutcome {
    }

    /**
     * No credentials, or credentials that do not verify: the answer is 401. {@code reason} is for the
     * server's log and the answer; it never contains the credential or any part of it.
     */
    record Unauthenticated(String reason) implements AuthOutcome {
    }

    /**
     * The credentials could not be checked now (the OIDC issuer's keys could not be fetched): the
     * answer is 503 with {@code Retry-After}, so the client tries again instead of giving up on
     * credentials that may well be good. Neither text contains the credential or any part of it.
     *
     * @param reason     for the answer and the log
     * @param cause      for the log only: what failed underneath
     * @param retryAfter the {@code Retry-After} the answer carries
     */
    record Unavailable(String reason, String cause, Duration retryAfter) implements AuthOutcome {
    }
}
