package dev.orgctl.cli;

import dev.orgctl.OrgctlException;
/** A command ended in a way a person must act on; the message is the one line they see. */
public final class CommandFailure extends OrgctlException {
    private final int exitCode;

    public CommandFailure(String message, int exitCode) {
        super(message, null, false);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** The command already decided that a person acts next (its exit code says how). */
    @Override
    public boolean retryable() {
        return false;
    }
}
