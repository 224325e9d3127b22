package dev.orgctl.coordination;

import dev.orgctl.OrgctlException;

/**
 * A worker tried to end a run that is no longer the workflow's current run: another worker took
 * the workflow over after this worker's lease ran out. The stale worker's result must be dropped.
 */
public final class StaleRunException extends OrgctlException {
    public StaleRunException(String message) {
        super(message);
    }

    /** False: another worker owns the run now; this worker's result is dropped, not tried again. */
    @Override
    public boolean retryable() {
        return false;
    }
}
