package dev.orgctl.bootstrap;

/**
 * Another bootstrap holds the KV lease: this run stops before doing anything more, and records
 * nothing (it is not a stage failure; the stage it stopped at stays as it was).
 */
public final class LeaseUnavailableException extends BootstrapException {
    public LeaseUnavailableException(String message) {
        super(message);
    }

    /** True: another bootstrap holds the lease; once it ends, the same run may go ahead. */
    @Override
    public boolean retryable() {
        return true;
    }
}
