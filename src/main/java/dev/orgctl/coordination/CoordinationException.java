package dev.orgctl.coordination;

import dev.orgctl.OrgctlException;

/** JetStream refused a coordination request for a reason other than a lost compare-and-set. */
public final class CoordinationException extends OrgctlException {
    public CoordinationException(String message, Throwable cause) {
        super(message, cause);
    }

    /** False: JetStream answered with an error (a missing bucket, a record it cannot parse); a lost connection or a timeout is a {@link dev.orgctl.nats.NatsUnavailableException} instead. */
    @Override
    public boolean retryable() {
        return false;
    }
}
