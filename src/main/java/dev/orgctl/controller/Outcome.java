package dev.orgctl.controller;

import java.time.Duration;

/**
 * What one stage made of one input, the whole contract between a stage and the {@link Dispatcher}
 * (in the manner of controller-runtime's reconcile result): the dispatcher alone turns it into an
 * ack, a nak with a delay, or a dead letter and a term.
 */
public sealed interface Outcome {
    /** Handled; {@code label} says how (for the log line). */
    record Done(String label) implements Outcome {
    }

    /**
     * Deliver the input again after {@code after}. The stage decided the delay (a busy lock, a
     * burst settling, its own backoff); the dispatcher does not count these against its attempts.
     */
    record Retry(Duration after, String reason) implements Outcome {
    }

    /**
     * Never to be tried again: the input goes to ORGCTL_DLQ with {@code stoppedBy} (the layer or
     * reason that stopped it: {@code poison}, {@code template}, {@code depth}, {@code breaker},
     * {@code lock}, {@code attempts}). {@code attempts} is what the dead letter records; 0 means
     * the delivery count. {@code afterDeadLetter} runs once the dead letter is written, so that
     * state which would stop a redelivered input from reaching here again (a FAILED workflow) is
     * recorded only when the dead letter is safe.
     */
    record Terminal(String stoppedBy, String detail, int attempts, Runnable afterDeadLetter) implements Outcome {
        public static Terminal of(String stoppedBy, String detail) {
            return new Terminal(stoppedBy, detail, 0, () -> { });
        }
    }
}
