package dev.orgctl.coordination;

/**
 * A worker tried to end a run that is no longer the workflow's current run: another worker took
 * the workflow over after this worker's lease ran out. The stale worker's result must be dropped.
 */
public final class StaleRunException extends RuntimeException {
    public StaleRunException(String message) {
        super(message);
    }
}
