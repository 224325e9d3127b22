package dev.orgctl.controller;

import dev.orgctl.OrgctlException;

/**
 * A stage's own failure: {@link #poison} for input that fails the same way every time (the
 * dispatcher dead-letters it at once), {@link #transientFailure} for one that may pass later.
 */
public final class StageException extends OrgctlException {
    private final boolean retryable;

    private StageException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public static StageException poison(String message) {
        return new StageException(message, false);
    }

    public static StageException transientFailure(String message) {
        return new StageException(message, true);
    }

    @Override
    public boolean retryable() {
        return retryable;
    }
}
