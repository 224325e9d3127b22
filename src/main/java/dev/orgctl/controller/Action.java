package dev.orgctl.controller;

import java.time.Duration;

/** What the {@link Dispatcher} does with a message once its stage is through. */
public sealed interface Action {
    /** Handled: acknowledge. */
    record Ack() implements Action {
    }

    /** Hand it back, to be delivered again after {@code after}. */
    record Nak(Duration after) implements Action {
    }

    /** Never again (its dead letter is written): terminate. */
    record Term() implements Action {
    }
}
