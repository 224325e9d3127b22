package dev.orgctl.nats;

/** NATS or JetStream cannot be reached or refuses us; the message says which server and why. */
public final class NatsUnavailableException extends RuntimeException {
    public NatsUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
