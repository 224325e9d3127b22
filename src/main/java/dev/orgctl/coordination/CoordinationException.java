package dev.orgctl.coordination;

import dev.orgctl.OrgctlException;

/** JetStream refused a coordination request for a reason other than a lost compare-and-set. */
public final class CoordinationException extends OrgctlException {
    public CoordinationException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * True: most of these are JetStream answering with an error or not in time (an I/O failure of
     * one request, a stream changing leader, a compare-and-set lost too often), which passes; the
     * rest (a missing bucket, a record that cannot be parsed) fail again until the controller's
     * attempts are spent and end in the DLQ, as they did before the exception root existed.
     */
    @Override
    public boolean retryable() {
        return true;
    }
}
