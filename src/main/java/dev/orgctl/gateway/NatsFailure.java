package dev.orgctl.gateway;

/**
 * A JetStream call failed or timed out, so the outcome of a delivery is unknown or not reached:
 * the delivery is answered 503 and GitHub shows it as failed (it can be redelivered). The
 * message is for logs; it never holds a secret.
 */
final class NatsFailure extends Exception {
    NatsFailure(String message, Throwable cause) {
        super(message, cause, false, false);
    }

    static NatsFailure of(String what, Throwable cause) {
        String m = cause.getMessage();
        return new NatsFailure(what + ": " + (m == null || m.isBlank() ? cause.getClass().getSimpleName() : m), cause);
    }
}
