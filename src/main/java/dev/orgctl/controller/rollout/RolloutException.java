package dev.orgctl.controller.rollout;

import dev.orgctl.OrgctlException;

/** An operation on a rollout that its state does not allow, or a rollout that does not exist. */
public final class RolloutException extends OrgctlException {
    public RolloutException(String message) {
        super(message, null, false);
    }

    @Override
    public boolean retryable() {
        return false;
    }
}
