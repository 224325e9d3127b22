package dev.orgctl.controller;

import java.util.Optional;

/**
 * One step of the controller as its {@link Dispatcher} drives it: decode a message into the
 * stage's input, then run it to an {@link Outcome}. A new kind of work (previews, rollouts,
 * Terraform state) is a new stage on its own stream and consumer; the failure path comes with it.
 *
 * @param <I> the decoded input
 */
public interface Stage<I> {
    /** What a dead letter of this stage is: {@code delivery} or {@code job}. */
    String kind();

    /** The loop's name, in metrics and logs. */
    String loop();

    /**
     * The stage's input.
     *
     * @throws RuntimeException when the message can never be read: the dispatcher dead-letters it as poison
     */
    I decode(Inbound in);

    /**
     * Does the work. May throw: an {@link dev.orgctl.OrgctlException} that is not retryable ends
     * in the DLQ at once; anything else is retried with the policy's backoff until the attempts are spent.
     */
    Outcome run(I input, int delivery);

    /** Where a dead letter belongs; {@code input} is empty when the message could not be decoded. */
    Origin origin(Inbound in, Optional<I> input);

    /** A dead letter's org, repository and causation id ("" when unknown). */
    record Origin(String org, String repo, String causation) {
    }
}
