package dev.orgctl.nats;

import dev.orgctl.OrgctlException;
/** NATS or JetStream cannot be reached or refuses us; the message says which server and why. */
public final class NatsUnavailableException extends OrgctlException {
    public NatsUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A server that is away or restarting may be back: the reconnect loop and jobs try again. */
    @Override
    public boolean retryable() {
        return true;
    }
}
