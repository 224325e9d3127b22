package dev.orgctl.gateway;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

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
        if (cause instanceof TimeoutException) {
            return new NatsFailure(what + ": no answer in time", cause);
        }
        String m = cause.getMessage();
        return new NatsFailure(what + ": " + (m == null || m.isBlank() ? cause.getClass().getSimpleName() : m), cause);
    }

    /**
     * What a future failed with: without the {@link CompletionException} wrapping, and without the
     * plain {@code RuntimeException} jnats wraps a checked exception in inside its futures.
     */
    static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException
                || c.getClass() == RuntimeException.class) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
