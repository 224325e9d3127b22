package dev.orgctl.bootstrap;

import dev.orgctl.OrgctlException;

/**
 * A bootstrap problem with a message that says what to do. Not final: {@link StageFailedException}
 * adds what the run had done when a stage failed.
 */
public class BootstrapException extends OrgctlException {
    public BootstrapException(String message) {
        super(message);
    }

    public BootstrapException(String message, Throwable cause) {
        super(message, cause);
    }

    /** False: the message says what a person must do before the next run. {@link LeaseUnavailableException} says true. */
    @Override
    public boolean retryable() {
        return false;
    }
}
