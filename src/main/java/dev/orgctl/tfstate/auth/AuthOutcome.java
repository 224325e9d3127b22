package dev.orgctl.tfstate.auth;

/** What authentication made of a request's credentials. */
public sealed interface AuthOutcome permits AuthOutcome.Authenticated, AuthOutcome.Unauthenticated {
    record Authenticated(Caller caller) implements AuthOutcome {
    }

    /**
     * No credentials, or credentials that do not verify: the answer is 401. {@code reason} is for the
     * server's log and the answer; it never contains the credential or any part of it.
     */
    record Unauthenticated(String reason) implements AuthOutcome {
    }
}
